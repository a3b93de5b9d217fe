//! Corridor's domain: the types and rules of cross-city "any-window" handling, with no IO.
//!
//! - [`ids`]: identifiers valid by construction (USCC, organisation code, resident number).
//! - [`calendar`]: working days from the holiday notice, as data.
//! - [`catalogue`]: members, authorities, windows and the versioned matter catalogue.
//! - [`case`]: the case state machine, the legal clock, and who may act on which case.
//! - [`audit`]: per-case hash chains that reveal edits, removals and reordering.
//! - [`clock`]: time as an input.
//!
//! Everything here is pure so that the same rules serve the API, the pages, the CLI and, later,
//! one node per city.

pub mod audit;
pub mod calendar;
pub mod case;
pub mod catalogue;
pub mod clock;
pub mod ids;
pub mod text;
