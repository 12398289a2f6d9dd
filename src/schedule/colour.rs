//! Turning a class's chosen meetings into concrete slots.
//!
//! The meetings of one class form a bipartite multigraph (firms, buyers) whose maximum degree is
//! at most the number of slots in the class, so by König's theorem its edges can be coloured with
//! that many colours, one colour a slot. The alternating-path algorithm does it. Interpreter limits
//! count meetings per slot, which colouring alone ignores: Kempe swaps (exchanging two colours on
//! an alternating component) move interpreted meetings out of overfull slots.

use std::collections::{BTreeMap, HashMap};

use crate::model::SlotId;

use super::instance::{Holder, InSlot, Pair, Placement};
use super::ix::{indices, BuyerIx, FirmIx, LangIx};

/// An edge of a bipartite graph: a node on the left (a firm) and one on the right (a buyer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub left: usize,
    pub right: usize,
}

/// Colours the edges of a bipartite graph so that no two edges at a node share a colour.
///
/// Every node's degree must be at most `colours`.
/// Returns a colour per edge, or `None` when some degree exceeds `colours`.
pub fn colour_edges(
    edges: &[Edge],
    left_count: usize,
    right_count: usize,
    colours: usize,
) -> Option<Vec<usize>> {
    let mut graph = Colouring::new(left_count, right_count, colours, edges.len());
    for (edge, &Edge { left, right }) in edges.iter().enumerate() {
        let free_left = graph.free_colour(LEFT, left)?;
        let free_right = graph.free_colour(RIGHT, right)?;
        if graph.at[RIGHT][right][free_left].is_some() {
            // free_left is taken at `right`: exchange free_left and free_right along the
            // alternating path from `right`. The path cannot reach `left` (bipartite parity), so
            // afterwards free_left is free at both ends.
            let path = graph.alternating_path(RIGHT, right, free_left, free_right, edges);
            graph.swap(&path, free_left, free_right, edges);
        }
        graph.set(edge, free_left, edges[edge]);
    }
    Some(graph.colour.into_iter().map(|c| c.unwrap_or(0)).collect())
}

const LEFT: usize = 0;
const RIGHT: usize = 1;

struct Colouring {
    /// at[side][node][colour] = the edge of that colour at that node.
    at: [Vec<Vec<Option<usize>>>; 2],
    colour: Vec<Option<usize>>,
    colours: usize,
}

impl Colouring {
    fn new(left_count: usize, right_count: usize, colours: usize, edge_count: usize) -> Colouring {
        Colouring {
            at: [
                vec![vec![None; colours]; left_count],
                vec![vec![None; colours]; right_count],
            ],
            colour: vec![None; edge_count],
            colours,
        }
    }

    fn free_colour(&self, side: usize, node: usize) -> Option<usize> {
        (0..self.colours).find(|&c| self.at[side][node][c].is_none())
    }

    fn set(&mut self, edge: usize, colour: usize, Edge { left, right }: Edge) {
        self.at[LEFT][left][colour] = Some(edge);
        self.at[RIGHT][right][colour] = Some(edge);
        self.colour[edge] = Some(colour);
    }

    fn unset(&mut self, edge: usize, Edge { left, right }: Edge) {
        if let Some(colour) = self.colour[edge].take() {
            self.at[LEFT][left][colour] = None;
            self.at[RIGHT][right][colour] = None;
        }
    }

    /// Edges of the path that starts at `node` with colour `first`, then alternates.
    fn alternating_path(
        &self,
        mut side: usize,
        mut node: usize,
        first: usize,
        second: usize,
        edges: &[Edge],
    ) -> Vec<usize> {
        let mut path = Vec::new();
        let mut colour = first;
        while let Some(edge) = self.at[side][node][colour] {
            if path.first() == Some(&edge) {
                break; // an even cycle, walked round once
            }
            path.push(edge);
            let Edge { left, right } = edges[edge];
            (side, node) = if side == LEFT {
                (RIGHT, right)
            } else {
                (LEFT, left)
            };
            colour = if colour == first { second } else { first };
        }
        path
    }

    /// Exchanges colours `a` and `b` on the given edges.
    fn swap(&mut self, path: &[usize], a: usize, b: usize, edges: &[Edge]) {
        let old: Vec<usize> = path.iter().map(|&e| self.colour[e].unwrap_or(a)).collect();
        for &edge in path {
            self.unset(edge, edges[edge]);
        }
        for (&edge, &colour) in path.iter().zip(&old) {
            self.set(edge, if colour == a { b } else { a }, edges[edge]);
        }
    }
}

/// Moves meetings between colours by Kempe swaps until no colour holds more than `limit[g]`
/// edges of group `g` (an interpreter language), or no swap helps.
///
/// `group[e]` is the edge's limited group, if any. Returns whether all limits hold.
pub fn balance_groups(
    edges: &[Edge],
    left_count: usize,
    right_count: usize,
    colours: usize,
    colour_of: &mut [usize],
    group: &[Option<usize>],
    limit: &[u32],
) -> bool {
    let mut graph = Colouring::new(left_count, right_count, colours, edges.len());
    for (edge, &colour) in colour_of.iter().enumerate() {
        graph.set(edge, colour, edges[edge]);
    }
    let excess = |graph: &Colouring| -> u64 {
        let mut counts = vec![vec![0u32; colours]; limit.len()];
        for (edge, colour) in graph.colour.iter().enumerate() {
            if let (Some(g), Some(c)) = (group[edge], colour) {
                counts[g][*c] += 1;
            }
        }
        counts
            .iter()
            .enumerate()
            .flat_map(|(g, per_colour)| {
                per_colour
                    .iter()
                    .map(move |&n| u64::from(n.saturating_sub(limit[g])))
            })
            .sum()
    };
    let mut current = excess(&graph);
    // Each accepted swap lowers the excess, so this ends; the cap guards against slow cases.
    let mut rounds = 0;
    while current > 0 && rounds < 10_000 {
        rounds += 1;
        let mut improved = false;
        'search: for a in 0..colours {
            for b in 0..colours {
                if a == b {
                    continue;
                }
                // Components of the a/b subgraph, each started from a grouped edge coloured a.
                for start in 0..edges.len() {
                    if graph.colour[start] != Some(a) || group[start].is_none() {
                        continue;
                    }
                    let left = edges[start].left;
                    let mut component = graph.alternating_path(LEFT, left, a, b, edges);
                    component.extend(graph.alternating_path(LEFT, left, b, a, edges));
                    component.sort_unstable();
                    component.dedup();
                    graph.swap(&component, a, b, edges);
                    let after = excess(&graph);
                    if after < current {
                        current = after;
                        improved = true;
                        break 'search;
                    }
                    graph.swap(&component, a, b, edges);
                }
            }
        }
        if !improved {
            break;
        }
    }
    for (edge, colour) in graph.colour.iter().enumerate() {
        colour_of[edge] = colour.unwrap_or(0);
    }
    current == 0
}

/// Moves meetings between slots, across the whole timetable, so that no slot holds more
/// meetings needing an interpreter language than its limit. A move exchanges two slots along an
/// alternating chain (a firm's meeting in slot s, the same firm's meeting in slot t, that
/// buyer's meeting in s, ...), so nobody gets two meetings in one slot; a chain is used only if
/// every pair on it can meet in the slot it moves to, and only if the total overfill drops.
///
/// Returns the interpreter languages still overfilled, each in a slot.
pub fn rebalance_interpreters(
    instance: &super::instance::Instance,
    placements: &mut [Placement],
) -> Vec<InSlot> {
    let mut timetable = Rebalancing::new(instance, placements);
    let mut attempts = 0;
    'outer: loop {
        let over = timetable.overfilled();
        if over.is_empty() || attempts > 100_000 {
            return over;
        }
        for &InSlot { holder, slot: from } in &over {
            let Holder::Language(language) = holder else {
                continue;
            };
            let starts: Vec<usize> = timetable
                .placements
                .iter()
                .enumerate()
                .filter(|(_, &Placement { pair, slot })| {
                    slot == from && instance.pairs[pair].language == Some(language)
                })
                .map(|(index, _)| index)
                .collect();
            for to in indices(instance.slot_count) {
                if to == from || timetable.is_full(language, to) {
                    continue;
                }
                for &start in &starts {
                    attempts += 1;
                    let swap = Swap { from, to };
                    let chain = timetable.chain(start, swap);
                    if !timetable.movable(&chain, swap) {
                        continue;
                    }
                    if let Some(delta) = timetable.relief(&chain, swap) {
                        timetable.apply(&chain, swap, delta);
                        continue 'outer;
                    }
                }
            }
        }
        return timetable.overfilled();
    }
}

/// Two slots whose meetings along a chain change places.
#[derive(Clone, Copy)]
struct Swap {
    from: SlotId,
    to: SlotId,
}

impl Swap {
    /// The slot a meeting in one of the two moves to.
    fn other(self, slot: SlotId) -> SlotId {
        if slot == self.from {
            self.to
        } else {
            self.from
        }
    }
}

/// A timetable being rebalanced: its meetings per interpreter language and slot, and the meeting
/// of each firm and buyer in each slot.
struct Rebalancing<'a> {
    instance: &'a super::instance::Instance,
    placements: &'a mut [Placement],
    count: HashMap<InSlot, u32>,
    meeting_of: HashMap<InSlot, usize>,
}

fn language_in(language: LangIx, slot: SlotId) -> InSlot {
    InSlot {
        holder: Holder::Language(language),
        slot,
    }
}

fn firm_in(firm: FirmIx, slot: SlotId) -> InSlot {
    InSlot {
        holder: Holder::Firm(firm),
        slot,
    }
}

fn buyer_in(buyer: BuyerIx, slot: SlotId) -> InSlot {
    InSlot {
        holder: Holder::Buyer(buyer),
        slot,
    }
}

impl<'a> Rebalancing<'a> {
    fn new(
        instance: &'a super::instance::Instance,
        placements: &'a mut [Placement],
    ) -> Rebalancing<'a> {
        let mut timetable = Rebalancing {
            instance,
            placements,
            count: HashMap::new(),
            meeting_of: HashMap::new(),
        };
        for (index, &Placement { pair, slot }) in timetable.placements.iter().enumerate() {
            let pair = &instance.pairs[pair];
            timetable.meeting_of.insert(firm_in(pair.firm, slot), index);
            timetable
                .meeting_of
                .insert(buyer_in(pair.buyer, slot), index);
            if let Some(language) = timetable.limited_language(pair) {
                *timetable
                    .count
                    .entry(language_in(language, slot))
                    .or_default() += 1;
            }
        }
        timetable
    }

    /// The pair's interpreter language when that language has a limit.
    fn limited_language(&self, pair: &Pair) -> Option<LangIx> {
        pair.language
            .filter(|&l| self.instance.limits.languages[l].1.is_some())
    }

    /// A language's capacity in a slot (the keys of `count` are languages only).
    fn capacity(&self, InSlot { holder, slot }: InSlot) -> Option<u32> {
        match holder {
            Holder::Language(language) => self.instance.limits.language_capacity(language, slot),
            _ => None,
        }
    }

    /// The (language, slot) cells holding more meetings than their interpreters can serve.
    fn overfilled(&self) -> Vec<InSlot> {
        let mut list: Vec<InSlot> = self
            .count
            .iter()
            .filter(|&(&key, &n)| self.capacity(key).is_some_and(|cap| n > cap))
            .map(|(&key, _)| key)
            .collect();
        list.sort_unstable();
        list
    }

    /// Whether a language's interpreters are all busy in a slot.
    fn is_full(&self, language: LangIx, slot: SlotId) -> bool {
        let key = language_in(language, slot);
        let cap = self.capacity(key).unwrap_or(u32::MAX);
        self.count.get(&key).copied().unwrap_or(0) >= cap
    }

    /// The alternating chain from a meeting: through its firm's meeting in the other slot, that
    /// meeting's buyer's, ..., then the same through its buyer first.
    fn chain(&self, start: usize, swap: Swap) -> Vec<usize> {
        let mut chain = vec![start];
        for through_firm_first in [true, false] {
            let mut current = start;
            let mut use_firm = through_firm_first;
            loop {
                let Placement { pair, slot } = self.placements[current];
                let other = swap.other(slot);
                let pair = &self.instance.pairs[pair];
                let next = if use_firm {
                    self.meeting_of.get(&firm_in(pair.firm, other))
                } else {
                    self.meeting_of.get(&buyer_in(pair.buyer, other))
                };
                match next {
                    Some(&next) if !chain.contains(&next) => {
                        chain.push(next);
                        current = next;
                        use_firm = !use_firm;
                    }
                    _ => break,
                }
            }
        }
        chain
    }

    /// Whether every pair on the chain can meet in the slot it would move to.
    fn movable(&self, chain: &[usize], swap: Swap) -> bool {
        chain.iter().all(|&index| {
            let Placement { pair, slot } = self.placements[index];
            self.instance.pairs[pair]
                .slots
                .binary_search(&swap.other(slot))
                .is_ok()
        })
    }

    /// The chain's change to the (language, slot) counts, if moving it lowers the total
    /// overfill; `None` if it does not.
    fn relief(&self, chain: &[usize], swap: Swap) -> Option<BTreeMap<InSlot, i64>> {
        let mut delta: BTreeMap<InSlot, i64> = BTreeMap::new();
        for &index in chain {
            let Placement { pair, slot } = self.placements[index];
            if let Some(l) = self.limited_language(&self.instance.pairs[pair]) {
                *delta.entry(language_in(l, slot)).or_default() -= 1;
                *delta.entry(language_in(l, swap.other(slot))).or_default() += 1;
            }
        }
        let excess = |key: InSlot, n: i64| -> i64 {
            (n - i64::from(self.capacity(key).unwrap_or(u32::MAX))).max(0)
        };
        let change: i64 = delta
            .iter()
            .map(|(&key, &d)| {
                let now = i64::from(self.count.get(&key).copied().unwrap_or(0));
                excess(key, now + d) - excess(key, now)
            })
            .sum();
        (change < 0).then_some(delta)
    }

    /// Moves the chain's meetings to their other slots.
    fn apply(&mut self, chain: &[usize], swap: Swap, delta: BTreeMap<InSlot, i64>) {
        for &index in chain {
            let Placement { pair, slot } = self.placements[index];
            let record = &self.instance.pairs[pair];
            self.meeting_of.remove(&firm_in(record.firm, slot));
            self.meeting_of.remove(&buyer_in(record.buyer, slot));
        }
        for &index in chain {
            let Placement { pair, slot } = self.placements[index];
            let other = swap.other(slot);
            let record = &self.instance.pairs[pair];
            self.meeting_of.insert(firm_in(record.firm, other), index);
            self.meeting_of.insert(buyer_in(record.buyer, other), index);
            self.placements[index].slot = other;
        }
        for (key, d) in delta {
            let entry = self.count.entry(key).or_default();
            *entry = (i64::from(*entry) + d).max(0) as u32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_proper(edges: &[Edge], colours: &[usize]) {
        for (i, a) in edges.iter().enumerate() {
            for (j, b) in edges.iter().enumerate().skip(i + 1) {
                if a.left == b.left || a.right == b.right {
                    assert_ne!(
                        colours[i], colours[j],
                        "edges {a:?} and {b:?} share a colour"
                    );
                }
            }
        }
    }

    #[test]
    fn colours_a_bipartite_graph_with_max_degree_colours() {
        let mut rng = crate::generate::Rng::new(3);
        for _ in 0..200 {
            let (left, right, degree) = (1 + rng.below(6), 1 + rng.below(6), 1 + rng.below(5));
            let mut edges = Vec::new();
            let mut degree_left = vec![0; left];
            let mut degree_right = vec![0; right];
            for _ in 0..40 {
                let (l, r) = (rng.below(left), rng.below(right));
                if degree_left[l] < degree
                    && degree_right[r] < degree
                    && !edges.contains(&Edge { left: l, right: r })
                {
                    edges.push(Edge { left: l, right: r });
                    degree_left[l] += 1;
                    degree_right[r] += 1;
                }
            }
            let colours = colour_edges(&edges, left, right, degree).unwrap();
            assert!(colours.iter().all(|&c| c < degree));
            assert_proper(&edges, &colours);
        }
        let edge = |left, right| Edge { left, right };
        assert_eq!(colour_edges(&[edge(0, 0), edge(0, 1)], 1, 2, 1), None);
    }

    #[test]
    fn kempe_swaps_spread_interpreted_meetings() {
        // Two firms, four buyers, two slots; the two interpreted meetings start in one slot.
        let edge = |left, right| Edge { left, right };
        let edges = [edge(0, 0), edge(1, 1), edge(0, 2), edge(1, 3)];
        let mut colours = vec![0, 0, 1, 1];
        let group = [Some(0), Some(0), None, None];
        assert!(balance_groups(&edges, 2, 4, 2, &mut colours, &group, &[1]));
        assert_proper(&edges, &colours);
        assert_ne!(colours[0], colours[1]);
    }
}
