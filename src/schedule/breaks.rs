//! Idle breaks on fixed meetings, exactly: put every meeting of a fixed set into a slot so that
//! nobody is in two meetings at once, slot capacities hold (tables, interpreters), and the total
//! number of breaks (runs of idle slots between two meetings of a participant) is smallest, with
//! at most `max_breaks` per participant. This is the problem Bofill et al. solve for real
//! business forums (JAIR 74, 2022), where any two participants may meet: the meeting graph need
//! not be bipartite.
//!
//! Method: the problem as propositional clauses (a meeting in exactly one allowed slot; one
//! meeting per participant and slot; capacities and the per-participant limit as totalizer
//! cardinality constraints; a break variable implied wherever a participant is busy, then idle,
//! then busy again), solved by a CDCL SAT solver (batsat). The total is bounded by one more
//! totalizer, and the bound is lowered below each solution found until the solver proves that
//! no timetable has fewer breaks (SAT-UNSAT search). Every answer is checked by [`check`], which
//! reads only the problem and the slots.

use super::Deadline;
use batsat::{lbool, Callbacks, Lit, SolverInterface, Var};

/// A slot-assignment problem on fixed meetings.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakProblem {
    /// Number of participants; they are 0..participants.
    pub participants: usize,
    /// The meetings, each between two participants (any two: firms may meet firms).
    pub meetings: Vec<(usize, usize)>,
    /// Number of consecutive slots; they are 0..slots.
    pub slots: usize,
    /// The slots each meeting may take (availability of both sides, a fixed slot, a half-day).
    pub allowed: Vec<Vec<usize>>,
    /// Groups of meetings of which at most `limit` may share a slot (tables, interpreters).
    pub capacities: Vec<Capacity>,
    /// At most this many breaks for any participant (fairness), if given.
    pub max_breaks: Option<u32>,
    /// Slots that begin a new segment (a session, a day): idle slots between two segments are
    /// no break. Empty: one segment.
    pub segment_starts: Vec<usize>,
}

impl BreakProblem {
    /// The segment of each slot.
    fn segments(&self) -> Vec<usize> {
        (0..self.slots)
            .map(|slot| {
                self.segment_starts
                    .iter()
                    .filter(|&&start| start > 0 && start <= slot)
                    .count()
            })
            .collect()
    }
}

/// At most `limits[slot]` of `meetings` in each slot.
#[derive(Debug, Clone, PartialEq)]
pub struct Capacity {
    /// Positions in [`BreakProblem::meetings`].
    pub meetings: Vec<usize>,
    /// Meetings allowed in each slot (one entry per slot).
    pub limits: Vec<usize>,
}

/// What the search found.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakResult {
    /// The slot of each meeting, or `None` when no timetable was found (infeasible when
    /// `proven`).
    pub slots: Option<Vec<usize>>,
    /// Total breaks of `slots`.
    pub breaks: u32,
    /// No timetable has fewer breaks than this.
    pub lower_bound: u32,
    /// Whether `breaks` is proven smallest (or, without slots, the problem proven infeasible).
    pub proven: bool,
}

/// The breaks of each participant in a timetable: runs of idle slots between two of its
/// meetings.
pub fn breaks_per_participant(problem: &BreakProblem, slots: &[usize]) -> Vec<u32> {
    let segment = problem.segments();
    let same = |a: usize, b: usize| segment.get(a) == segment.get(b);
    let mut busy = vec![Vec::new(); problem.participants];
    for (&(a, b), &slot) in problem.meetings.iter().zip(slots) {
        busy[a].push(slot);
        busy[b].push(slot);
    }
    busy.iter_mut()
        .map(|list| {
            list.sort_unstable();
            list.windows(2)
                .filter(|w| w[1] > w[0] + 1 && same(w[0], w[1]))
                .count() as u32
        })
        .collect()
}

/// Checks a timetable against every rule of the problem; its total breaks, or the first broken
/// rule. Independent of the search: reads only the problem and the slots.
pub fn check(problem: &BreakProblem, slots: &[usize]) -> Result<u32, String> {
    if slots.len() != problem.meetings.len() {
        return Err(format!(
            "{} slots for {} meetings",
            slots.len(),
            problem.meetings.len()
        ));
    }
    let mut seen = std::collections::HashMap::new();
    for (m, (&(a, b), &slot)) in problem.meetings.iter().zip(slots).enumerate() {
        if !problem.allowed[m].contains(&slot) {
            return Err(format!("meeting {m} in slot {slot}, which it may not take"));
        }
        for p in [a, b] {
            if let Some(other) = seen.insert((p, slot), m) {
                return Err(format!(
                    "participant {p} has meetings {other} and {m} in slot {slot}"
                ));
            }
        }
    }
    for (g, capacity) in problem.capacities.iter().enumerate() {
        let mut count = vec![0usize; problem.slots];
        for &m in &capacity.meetings {
            count[slots[m]] += 1;
        }
        let limit = |slot: usize| capacity.limits.get(slot).copied().unwrap_or(usize::MAX);
        if let Some(slot) = (0..problem.slots).find(|&slot| count[slot] > limit(slot)) {
            return Err(format!(
                "capacity {g}: {} meetings in slot {slot}, limit {}",
                count[slot],
                limit(slot)
            ));
        }
    }
    let per = breaks_per_participant(problem, slots);
    if let Some(limit) = problem.max_breaks {
        if let Some(p) = per.iter().position(|&b| b > limit) {
            return Err(format!(
                "participant {p} has {} breaks, more than {limit}",
                per[p]
            ));
        }
    }
    Ok(per.iter().sum())
}

/// Stops the SAT solver at the deadline.
impl Callbacks for Deadline {
    fn stop(&self) -> bool {
        self.passed()
    }
}

type Solver = batsat::Solver<Deadline>;

fn positive(var: Var) -> Lit {
    Lit::new(var, true)
}

/// The clauses, with the literals the search needs.
struct Encoding {
    solver: Solver,
    /// Per meeting: (slot, literal "the meeting is in that slot").
    placed: Vec<Vec<(usize, Lit)>>,
    /// Every break literal.
    breaks: Vec<Lit>,
    /// Set when a clause made the problem trivially unsatisfiable.
    contradiction: bool,
}

impl Encoding {
    fn literal(&mut self) -> Lit {
        positive(self.solver.new_var_default())
    }

    fn clause(&mut self, literals: &[Lit]) {
        let mut clause = literals.to_vec();
        if !self.solver.add_clause_reuse(&mut clause) {
            self.contradiction = true;
        }
    }

    fn at_most_one(&mut self, literals: &[Lit]) {
        if literals.len() <= 6 {
            for (i, &a) in literals.iter().enumerate() {
                for &b in &literals[i + 1..] {
                    self.clause(&[!a, !b]);
                }
            }
            return;
        }
        // Sequential (Sinz): s[i] = "one of the first i+1 literals is true".
        let mut previous = literals[0];
        for &literal in &literals[1..] {
            let next = self.literal();
            self.clause(&[!previous, next]);
            self.clause(&[!literal, next]);
            self.clause(&[!previous, !literal]);
            previous = next;
        }
    }

    /// Totalizer outputs `o[k]` = "at least k+1 of `inputs` are true", for k < `cap` (only the
    /// implications from inputs to outputs: enough to bound the count from above).
    fn totalizer(&mut self, inputs: &[Lit], cap: usize) -> Vec<Lit> {
        if inputs.len() <= 1 || cap == 0 {
            return inputs.iter().copied().take(cap).collect();
        }
        let (left, right) = inputs.split_at(inputs.len() / 2);
        let left = self.totalizer(left, cap);
        let right = self.totalizer(right, cap);
        let size = (left.len() + right.len()).min(cap);
        let outputs: Vec<Lit> = (0..size).map(|_| self.literal()).collect();
        for a in 0..=left.len() {
            for b in 0..=right.len() {
                if a + b == 0 || a + b > size {
                    continue;
                }
                let mut clause = Vec::with_capacity(3);
                if a > 0 {
                    clause.push(!left[a - 1]);
                }
                if b > 0 {
                    clause.push(!right[b - 1]);
                }
                clause.push(outputs[a + b - 1]);
                self.clause(&clause);
            }
        }
        outputs
    }

    /// Exactly `count` of `inputs` true, with a totalizer in both directions (so that the solver
    /// also learns from "too few").
    fn exactly(&mut self, inputs: &[Lit], count: usize) {
        if count > inputs.len() {
            self.contradiction = true;
            return;
        }
        let outputs = self.counter(inputs);
        if count > 0 {
            self.clause(&[outputs[count - 1]]);
        }
        if count < outputs.len() {
            self.clause(&[!outputs[count]]);
        }
    }

    /// A full totalizer: `o[k]` if and only if at least k+1 of `inputs` are true.
    fn counter(&mut self, inputs: &[Lit]) -> Vec<Lit> {
        if inputs.len() <= 1 {
            return inputs.to_vec();
        }
        let (left, right) = inputs.split_at(inputs.len() / 2);
        let left = self.counter(left);
        let right = self.counter(right);
        let size = left.len() + right.len();
        let outputs: Vec<Lit> = (0..size).map(|_| self.literal()).collect();
        for a in 0..=left.len() {
            for b in 0..=right.len() {
                // Up: a of the left and b of the right make a+b.
                if a + b > 0 {
                    let mut clause = vec![outputs[a + b - 1]];
                    if a > 0 {
                        clause.push(!left[a - 1]);
                    }
                    if b > 0 {
                        clause.push(!right[b - 1]);
                    }
                    self.clause(&clause);
                }
                // Down: fewer than a+1 on the left and fewer than b+1 on the right make fewer
                // than a+b+1.
                if a + b < size {
                    let mut clause = vec![!outputs[a + b]];
                    if a < left.len() {
                        clause.push(left[a]);
                    }
                    if b < right.len() {
                        clause.push(right[b]);
                    }
                    self.clause(&clause);
                }
            }
        }
        outputs
    }

    /// At most `limit` of `inputs` true.
    fn at_most(&mut self, inputs: &[Lit], limit: usize) {
        if inputs.len() <= limit {
            return;
        }
        if limit == 0 {
            for &input in inputs {
                self.clause(&[!input]);
            }
            return;
        }
        let outputs = self.totalizer(inputs, limit + 1);
        self.clause(&[!outputs[limit]]);
    }

    fn new(problem: &BreakProblem, deadline: Deadline) -> Encoding {
        let segment = problem.segments();
        let mut encoding = Encoding {
            solver: Solver::new(Default::default(), deadline),
            placed: Vec::new(),
            breaks: Vec::new(),
            contradiction: false,
        };
        encoding.place_meetings(problem);
        // Per participant and slot: at most one meeting, and "busy" exactly when one is there.
        let mut in_slot: Vec<Vec<Vec<Lit>>> =
            vec![vec![Vec::new(); problem.slots]; problem.participants];
        for (m, &(a, b)) in problem.meetings.iter().enumerate() {
            for &(slot, literal) in &encoding.placed[m] {
                in_slot[a][slot].push(literal);
                in_slot[b][slot].push(literal);
            }
        }
        let mut meetings_of = vec![0usize; problem.participants];
        for &(a, b) in &problem.meetings {
            meetings_of[a] += 1;
            meetings_of[b] += 1;
        }
        let mut busy_in_slot: Vec<Vec<Lit>> = vec![Vec::new(); problem.slots];
        for (p, per_slot) in in_slot.iter().enumerate() {
            for literals in per_slot {
                encoding.at_most_one(literals);
            }
            if meetings_of[p] == 0 {
                continue;
            }
            let busy = encoding.busy(per_slot, meetings_of[p]);
            for (slot, literal) in busy.iter().enumerate() {
                if let Some(literal) = literal {
                    busy_in_slot[slot].push(*literal);
                }
            }
            if meetings_of[p] >= 2 {
                encoding.count_breaks(problem, &segment, &busy);
            }
        }
        encoding.limit_capacities(problem, &busy_in_slot);
        encoding
    }

    /// Each meeting in exactly one allowed slot.
    fn place_meetings(&mut self, problem: &BreakProblem) {
        for allowed in &problem.allowed {
            let mut options = Vec::new();
            for &slot in allowed {
                if slot < problem.slots {
                    options.push((slot, self.literal()));
                }
            }
            let literals: Vec<Lit> = options.iter().map(|&(_, l)| l).collect();
            self.clause(&literals);
            self.at_most_one(&literals);
            self.placed.push(options);
        }
    }

    /// A participant's "busy" literal in each slot where it may meet (true exactly when one of
    /// its meetings is there), given the literals of its meetings in each slot.
    fn busy(&mut self, per_slot: &[Vec<Lit>], meetings: usize) -> Vec<Option<Lit>> {
        let busy: Vec<Option<Lit>> = per_slot
            .iter()
            .map(|literals| {
                if literals.is_empty() {
                    return None;
                }
                let busy = self.literal();
                for &literal in literals {
                    self.clause(&[!literal, busy]);
                }
                let mut clause = vec![!busy];
                clause.extend(literals);
                self.clause(&clause);
                Some(busy)
            })
            .collect();
        // Implied, and a great help to the solver: the participant is busy in exactly as many
        // slots as it has meetings.
        let known: Vec<Lit> = busy.iter().flatten().copied().collect();
        self.exactly(&known, meetings);
        busy
    }

    /// A participant's breaks (a literal each, added to `breaks`), at most `max_breaks` of them.
    fn count_breaks(&mut self, problem: &BreakProblem, segment: &[usize], busy: &[Option<Lit>]) {
        // later[s]: some meeting at s or after in the same segment (implied upwards only).
        let mut later: Vec<Option<Lit>> = vec![None; problem.slots + 1];
        for slot in (0..problem.slots).rev() {
            let next = if segment.get(slot + 1) == Some(&segment[slot]) {
                later[slot + 1]
            } else {
                None
            };
            later[slot] = match (busy[slot], next) {
                (None, next) => next,
                (Some(here), next) => {
                    let literal = self.literal();
                    self.clause(&[!here, literal]);
                    if let Some(next) = next {
                        self.clause(&[!next, literal]);
                    }
                    Some(literal)
                }
            };
        }
        // A break starts at `slot` when the participant was busy just before, is idle now, and
        // meets again later.
        let mut own = Vec::new();
        for slot in 1..problem.slots {
            if segment.get(slot + 1) != Some(&segment[slot]) || segment[slot - 1] != segment[slot] {
                continue;
            }
            let (Some(before), Some(after)) = (busy[slot - 1], later[slot + 1]) else {
                continue;
            };
            let pause = self.literal();
            let mut clause = vec![!before, !after, pause];
            if let Some(now) = busy[slot] {
                clause.push(now);
            }
            self.clause(&clause);
            own.push(pause);
        }
        if let Some(limit) = problem.max_breaks {
            self.at_most(&own, limit as usize);
        }
        self.breaks.extend(own);
    }

    /// Shared capacities (interpreters, tables): at most `limit` of their meetings in a slot.
    fn limit_capacities(&mut self, problem: &BreakProblem, busy_in_slot: &[Vec<Lit>]) {
        for capacity in &problem.capacities {
            // Implied when the limit holds for every meeting: a slot with at most `limit`
            // meetings has at most twice as many busy participants.
            let limit = |slot: usize| capacity.limits.get(slot).copied().unwrap_or(usize::MAX);
            if capacity.meetings.len() == problem.meetings.len() {
                for (slot, literals) in busy_in_slot.iter().enumerate() {
                    self.at_most(literals, limit(slot).saturating_mul(2));
                }
            }
            for slot in 0..problem.slots {
                let literals: Vec<Lit> = capacity
                    .meetings
                    .iter()
                    .flat_map(|&m| self.placed[m].iter())
                    .filter(|&&(s, _)| s == slot)
                    .map(|&(_, l)| l)
                    .collect();
                self.at_most(&literals, limit(slot));
            }
        }
    }

    fn slots(&self) -> Vec<usize> {
        self.placed
            .iter()
            .map(|options| {
                options
                    .iter()
                    .find(|&&(_, l)| self.solver.value_lit(l) == lbool::TRUE)
                    .map(|&(slot, _)| slot)
                    .unwrap_or(0)
            })
            .collect()
    }
}

/// The timetable with the fewest breaks, proven when the search ends before `deadline`.
pub fn minimise_breaks(problem: &BreakProblem, deadline: Deadline) -> BreakResult {
    minimise_breaks_from(problem, None, deadline)
}

/// [`minimise_breaks`] from a known timetable (`start`, when it is valid): only timetables with
/// fewer breaks are searched for, and `start` is the answer when none exists or time runs out.
pub fn minimise_breaks_from(
    problem: &BreakProblem,
    start: Option<&[usize]>,
    deadline: Deadline,
) -> BreakResult {
    let unknown = BreakResult {
        slots: None,
        breaks: 0,
        lower_bound: 0,
        proven: false,
    };
    if problem.allowed.len() != problem.meetings.len() {
        return unknown;
    }
    let mut encoding = Encoding::new(problem, deadline);
    let infeasible = BreakResult {
        proven: true,
        ..unknown.clone()
    };
    if encoding.contradiction {
        return infeasible;
    }
    let known = start.and_then(|slots| Some((slots.to_vec(), check(problem, slots).ok()?)));
    let (best, breaks) = match known {
        Some(known) => known,
        None => {
            let answer = encoding.solver.solve_limited(&[]);
            if answer == lbool::FALSE {
                return infeasible;
            }
            if answer != lbool::TRUE {
                return unknown;
            }
            let slots = encoding.slots();
            let Ok(breaks) = check(problem, &slots) else {
                return unknown;
            };
            (slots, breaks)
        }
    };
    if breaks == 0 {
        return BreakResult {
            slots: Some(best),
            breaks: 0,
            lower_bound: 0,
            proven: true,
        };
    }
    // From below: each bound the solver refutes is a proven lower bound; the first it can meet
    // is the optimum. (Refuting small totals is fast on these problems; improving a poor
    // timetable step by step from above was not: 14 breaks after 60 s where 4 is optimal.)
    let inputs = encoding.breaks.clone();
    let at_least = encoding.totalizer(&inputs, breaks as usize);
    let mut lower_bound = 0;
    while lower_bound < breaks {
        let answer = encoding
            .solver
            .solve_limited(&[!at_least[lower_bound as usize]]);
        if answer == lbool::TRUE {
            let slots = encoding.slots();
            match check(problem, &slots) {
                Ok(found) if found <= lower_bound => {
                    return BreakResult {
                        slots: Some(slots),
                        breaks: found,
                        lower_bound: found,
                        proven: true,
                    };
                }
                _ => break,
            }
        } else if answer == lbool::FALSE {
            lower_bound += 1;
        } else {
            break;
        }
    }
    BreakResult {
        slots: Some(best),
        breaks,
        lower_bound,
        proven: lower_bound >= breaks,
    }
}
