//! Messages between the corridor's nodes (issue #24).
//!
//! [`envelope`]: every message is a COSE_Sign1 envelope signed by the sending node's message
//! key, checked against the signed corridor trust list before anything of it is stored.
//! [`receipt`]: the signed receipt a receiver returns, and the inbox's rule for a message it
//! has seen before. Pure: bytes and keys in, bytes and verdicts out; the outbox, inbox and delivery live in the
//! store and the application.

pub mod envelope;
pub mod receipt;

pub use envelope::{open, seal, Envelope, EnvelopeError, Header, Kind, PROTOCOL_VERSION};
