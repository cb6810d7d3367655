//! The reader API: profiles with the hard gate, conversations, merge, ask. Arrives with issues 4 and 5.
