//! The optimiser's index spaces as types: a firm's position cannot index buyers, a pair's
//! cannot index slots. Each index type wraps a position; an [`IxVec`] is a vector indexed by one
//! of them only.

use std::marker::PhantomData;

use crate::model::{Buyer, Firm, Mission, Side, Slot, SlotId};

/// A position in one index space.
pub trait Ix: Copy + Eq + Ord + std::hash::Hash + std::fmt::Debug {
    /// The index of `position`.
    fn new(position: usize) -> Self;
    /// The position it stands for.
    fn get(self) -> usize;
}

macro_rules! index_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u32);

        impl Ix for $name {
            fn new(position: usize) -> Self {
                // Every index space here is far below 4 billion (rows, pairs and slots of one
                // mission); a larger one is a bug, not user data.
                $name(u32::try_from(position).expect("index beyond u32"))
            }

            fn get(self) -> usize {
                self.0 as usize
            }
        }
    };
}

index_type!(
    /// A firm's position in `Mission::firms`.
    FirmIx
);
index_type!(
    /// A buyer's position in `Mission::buyers`.
    BuyerIx
);
index_type!(
    /// A candidate pair's position in `Instance::pairs`.
    PairIx
);
index_type!(
    /// A class of interchangeable slots' position in `Partition::classes`.
    ClassIx
);
index_type!(
    /// An interpreter language's position in `Limits::languages`.
    LangIx
);

impl Ix for SlotId {
    fn new(position: usize) -> Self {
        SlotId(position)
    }

    fn get(self) -> usize {
        self.0
    }
}

/// The mission's own lists answer for the optimiser's indices of them.
macro_rules! mission_list_index {
    ($index:ty, $item:ty) => {
        impl std::ops::Index<$index> for Vec<$item> {
            type Output = $item;

            fn index(&self, index: $index) -> &$item {
                &self[index.get()]
            }
        }
    };
}

mission_list_index!(FirmIx, Firm);
mission_list_index!(BuyerIx, Buyer);
mission_list_index!(SlotId, Slot);

/// A firm or a buyer, by position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Participant {
    Firm(FirmIx),
    Buyer(BuyerIx),
}

impl Participant {
    /// Its side.
    pub fn side(self) -> Side {
        match self {
            Participant::Firm(_) => Side::Firm,
            Participant::Buyer(_) => Side::Buyer,
        }
    }

    /// Its id in the mission.
    pub fn id(self, mission: &Mission) -> &str {
        match self {
            Participant::Firm(firm) => mission.firms[firm].id.as_str(),
            Participant::Buyer(buyer) => mission.buyers[buyer].id.as_str(),
        }
    }

    /// Its position among the firms or the buyers.
    pub fn position(self) -> usize {
        match self {
            Participant::Firm(firm) => firm.get(),
            Participant::Buyer(buyer) => buyer.get(),
        }
    }
}

/// The indices `0..count` of one space.
pub fn indices<I: Ix>(count: usize) -> impl DoubleEndedIterator<Item = I> + Clone {
    (0..count).map(I::new)
}

/// A vector indexed by `I` only.
#[derive(Clone, PartialEq, Eq)]
pub struct IxVec<I, T> {
    items: Vec<T>,
    index: PhantomData<fn(I) -> I>,
}

impl<I: Ix, T> IxVec<I, T> {
    /// `count` copies of `value`.
    pub fn filled(value: T, count: usize) -> Self
    where
        T: Clone,
    {
        vec![value; count].into()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Adds `item`, returning its index.
    pub fn push(&mut self, item: T) -> I {
        self.items.push(item);
        I::new(self.items.len() - 1)
    }

    /// The entry of `index`, if there is one.
    pub fn get(&self, index: I) -> Option<&T> {
        self.items.get(index.get())
    }

    /// The entries in order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    /// Each index with its entry.
    pub fn iter_enumerated(&self) -> impl DoubleEndedIterator<Item = (I, &T)> + Clone {
        self.items
            .iter()
            .enumerate()
            .map(|(position, item)| (I::new(position), item))
    }

    /// Every index, in order.
    pub fn indices(&self) -> impl DoubleEndedIterator<Item = I> + Clone {
        indices(self.items.len())
    }
}

impl<I, T> Default for IxVec<I, T> {
    fn default() -> Self {
        Vec::new().into()
    }
}

impl<I, T> From<Vec<T>> for IxVec<I, T> {
    fn from(items: Vec<T>) -> Self {
        IxVec {
            items,
            index: PhantomData,
        }
    }
}

impl<I, T> FromIterator<T> for IxVec<I, T> {
    fn from_iter<It: IntoIterator<Item = T>>(items: It) -> Self {
        items.into_iter().collect::<Vec<T>>().into()
    }
}

impl<'a, I, T> IntoIterator for &'a IxVec<I, T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<I: Ix, T> std::ops::Index<I> for IxVec<I, T> {
    type Output = T;

    fn index(&self, index: I) -> &T {
        &self.items[index.get()]
    }
}

impl<I: Ix, T> std::ops::IndexMut<I> for IxVec<I, T> {
    fn index_mut(&mut self, index: I) -> &mut T {
        &mut self.items[index.get()]
    }
}

impl<I, T: std::fmt::Debug> std::fmt::Debug for IxVec<I, T> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.items.fmt(formatter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_vector_answers_for_its_own_indices() {
        let mut pairs: IxVec<PairIx, &str> = IxVec::default();
        let first = pairs.push("F1-B1");
        let second = pairs.push("F1-B2");
        assert_eq!((first.get(), second.get()), (0, 1));
        assert_eq!(pairs[second], "F1-B2");
        assert_eq!(
            pairs
                .iter_enumerated()
                .map(|(ix, _)| ix)
                .collect::<Vec<_>>(),
            vec![first, second]
        );
        assert_eq!(pairs.get(PairIx::new(2)), None);
    }
}
