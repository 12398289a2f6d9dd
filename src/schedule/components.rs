//! Independent parts of the candidate graph, solved separately.
//!
//! Two pairs depend on each other when they share a firm or a buyer, or when both need an
//! interpreter of a limited language in a slot where that limit can bind. A limit can bind in a
//! slot only if more firms and more buyers than the limit could hold such a meeting there (each
//! takes one meeting per slot). Components of that relation share no constraint, so optimising
//! each (coverage first, then value) optimises the whole.

use petgraph::unionfind::UnionFind;

use super::instance::Instance;

/// The pairs of each component, each list ascending; components ordered by their first pair.
pub fn components(instance: &Instance) -> Vec<Vec<usize>> {
    let node_count = instance.firm_count + instance.buyer_count;
    let mut union = UnionFind::<usize>::new(node_count);
    let buyer_node = |buyer: usize| instance.firm_count + buyer;
    for pair in &instance.pairs {
        union.union(pair.firm, buyer_node(pair.buyer));
    }
    for (language, (_, limit)) in instance.languages.iter().enumerate() {
        let Some(limit) = limit else { continue };
        for slot in 0..instance.slot_count {
            let interpreted: Vec<usize> = instance
                .pairs
                .iter()
                .enumerate()
                .filter(|(_, pair)| {
                    pair.language == Some(language) && pair.slots.binary_search(&slot).is_ok()
                })
                .map(|(index, _)| index)
                .collect();
            let mut firms: Vec<usize> = interpreted
                .iter()
                .map(|&p| instance.pairs[p].firm)
                .collect();
            let mut buyers: Vec<usize> = interpreted
                .iter()
                .map(|&p| instance.pairs[p].buyer)
                .collect();
            firms.sort_unstable();
            firms.dedup();
            buyers.sort_unstable();
            buyers.dedup();
            if firms.len() as u32 <= *limit || buyers.len() as u32 <= *limit {
                continue;
            }
            for window in interpreted.windows(2) {
                union.union(
                    instance.pairs[window[0]].firm,
                    instance.pairs[window[1]].firm,
                );
            }
        }
    }
    let mut by_root: std::collections::BTreeMap<usize, Vec<usize>> =
        std::collections::BTreeMap::new();
    for (index, pair) in instance.pairs.iter().enumerate() {
        by_root
            .entry(union.find(pair.firm))
            .or_default()
            .push(index);
    }
    let mut groups: Vec<Vec<usize>> = by_root.into_values().collect();
    groups.sort_unstable_by_key(|group| group[0]);
    groups
}
