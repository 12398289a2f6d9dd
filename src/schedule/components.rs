//! Independent parts of the candidate graph, solved separately.
//!
//! Two pairs depend on each other when they share a firm or a buyer. Interpreter limits also
//! couple pairs, but only when they bind; `optimise_components` in the parent module merges
//! parts lazily when their meetings together overfill an interpreter.

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
