//! `u32` newtype handles into the model's tables.
//!
//! A handle is an index; it is only meaningful for the table that made it.
//! Four bytes per reference keeps samples and stack nodes small (the same
//! trade-off as fxprof-processed-profile's handles).

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub u32);

        impl $name {
            /// The index into the owning table.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }

            /// The handle for index `i`; `i` must fit in `u32` (tables check
            /// their length before they grow past it).
            #[inline]
            pub fn from_index(i: usize) -> Self {
                Self(i as u32)
            }
        }
    };
}

id_type!(
    /// A frame in [`crate::model::FrameTable`].
    FrameId
);
id_type!(
    /// A stack (a node of the stack prefix tree) in [`crate::model::StackTable`].
    StackId
);
id_type!(
    /// A node of a [`crate::model::CallTree`] arena.
    NodeId
);
id_type!(
    /// A metric of a [`crate::model::Profile`].
    MetricId
);
id_type!(
    /// A thread (or process) of a [`crate::model::Profile`].
    ThreadId
);
id_type!(
    /// An interned set of sample labels; `LabelSetId(0)` is the empty set.
    LabelSetId
);
