//! Independent parts of the candidate graph, solved separately.
//!
//! Two pairs depend on each other when they share a firm or a buyer. Interpreter limits also
//! couple pairs, but only when they bind; `optimise_components` in the parent module merges
//! parts when their meetings together overfill an interpreter, and `merged_for_interpreters`
//! merges up front the parts that share a language too scarce for all the firms that need it.

use petgraph::unionfind::UnionFind;

use super::instance::Instance;
use super::ix::{Ix, PairIx};

/// The pairs of each component, each list ascending; components ordered by their first pair.
pub fn components(instance: &Instance) -> Vec<Vec<PairIx>> {
    // Nodes: the firms, then the buyers.
    let node_count = instance.firm_count + instance.buyer_count;
    let mut union = UnionFind::<usize>::new(node_count);
    let buyer_node = |buyer: super::ix::BuyerIx| instance.firm_count + buyer.get();
    for pair in &instance.pairs {
        union.union(pair.firm.get(), buyer_node(pair.buyer));
    }
    let mut by_root: std::collections::BTreeMap<usize, Vec<PairIx>> =
        std::collections::BTreeMap::new();
    for (index, pair) in instance.pairs.iter_enumerated() {
        by_root
            .entry(union.find(pair.firm.get()))
            .or_default()
            .push(index);
    }
    let mut groups: Vec<Vec<PairIx>> = by_root.into_values().collect();
    groups.sort_unstable_by_key(|group| group[0]);
    groups
}

/// The components, with those merged that will have to be solved together anyway: every part
/// with a pair that needs an interpreter language which more firms need than the language has
/// interpreters per slot, when more than one part needs it. Solved apart, such parts would
/// likely overfill the interpreters and be merged after their first solve, so the largest part
/// would be solved twice. A prediction only: `optimise_components` still checks every slot
/// after solving and merges what still overfills.
pub fn merged_for_interpreters(instance: &Instance, parts: Vec<Vec<PairIx>>) -> Vec<Vec<PairIx>> {
    let mut union = UnionFind::<usize>::new(parts.len());
    for (language, (_, limit)) in instance.limits.languages.iter_enumerated() {
        let Some(limit) = limit else { continue };
        let mut firms = std::collections::BTreeSet::new();
        let mut needing = Vec::new();
        for (part, pairs) in parts.iter().enumerate() {
            let mut needs = false;
            for &pair in pairs {
                if instance.pairs[pair].language == Some(language) {
                    firms.insert(instance.pairs[pair].firm);
                    needs = true;
                }
            }
            if needs {
                needing.push(part);
            }
        }
        if needing.len() > 1 && firms.len() > *limit as usize {
            for pair in needing.windows(2) {
                union.union(pair[0], pair[1]);
            }
        }
    }
    let mut by_root: std::collections::BTreeMap<usize, Vec<PairIx>> =
        std::collections::BTreeMap::new();
    for (part, pairs) in parts.into_iter().enumerate() {
        by_root.entry(union.find(part)).or_default().extend(pairs);
    }
    let mut merged: Vec<Vec<PairIx>> = by_root
        .into_values()
        .map(|mut pairs| {
            pairs.sort_unstable();
            pairs
        })
        .collect();
    merged.sort_unstable_by_key(|pairs| pairs[0]);
    merged
}
