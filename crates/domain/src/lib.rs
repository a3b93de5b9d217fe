//! Corridor's domain: the types and rules of cross-city "any-window" handling, with no IO.
//!
//! - [`ids`]: identifiers valid by construction (USCC, organisation code, resident number).
//! - [`calendar`]: working days from the holiday notice, as data.
//! - [`catalogue`]: members, authorities, windows and the versioned matter catalogue.
//! - [`case`]: the case state machine, the legal clock, and who may act on which case.
//! - [`crossing`]: a withdrawal and a decision made at once on two nodes: which stands.
//! - [`materials`]: the files handed in with a filing: type from content, names, limits.
//! - [`amount`]: subsidies, withdrawal limits and fees computed by a city's rule, with how.
//! - [`joint`]: one filing decided by several authorities: multi-site parts and bundles.
//! - [`notice`]: what the applicant is told when their case changes, in their language.
//! - [`auction`]: technology achievement auctions: ascending and sealed-bid lots, settlement.
//! - [`audit`]: per-case hash chains that reveal edits, removals and reordering.
//! - [`clock`]: time as an input.
//!
//! Everything here is pure so that the same rules serve the API, the pages, the CLI and, later,
//! one node per city.

pub mod amount;
pub mod auction;
pub mod audit;
pub mod calendar;
pub mod case;
pub mod catalogue;
pub mod clock;
pub mod crossing;
pub mod ids;
pub mod joint;
pub mod materials;
pub mod notice;
pub mod text;

/// Declares an enum whose variants each have a stable code: the variant's name in
/// snake_case, as serde writes it in JSON (the macro sets `rename_all = "snake_case"`, so the
/// two cannot differ) and as the database and URLs hold it. Derives `Debug`, `Clone`, `Copy`,
/// `PartialEq`, `Eq`, `Hash`, `Serialize` and `Deserialize` (the caller adds any others) and
/// adds `ALL` in declaration order, `as_str` and `parse`. Variants that
/// each carry their names for people, `Red = ("红灯", "Red")`, also add `name(zh)`.
///
/// ```
/// corridor_domain::codes! {
///     pub enum Light { Red, AmberFlashing }
/// }
/// assert_eq!(Light::parse("amber_flashing"), Some(Light::AmberFlashing));
/// assert_eq!(Light::ALL.map(Light::as_str), ["red", "amber_flashing"]);
///
/// corridor_domain::codes! {
///     pub enum Sign { Stop = ("停", "Stop"), Yield = ("让", "Yield") }
/// }
/// assert_eq!(Sign::Yield.name(true), "让");
/// ```
#[macro_export]
macro_rules! codes {
    (
        $(#[$meta:meta])*
        $vis:vis enum $ty:ident {
            $($(#[$vmeta:meta])* $variant:ident = ($zh:literal, $en:literal)),+ $(,)?
        }
    ) => {
        $crate::codes! {
            $(#[$meta])*
            $vis enum $ty {
                $($(#[$vmeta])* $variant),+
            }
        }

        impl $ty {
            /// The variant's name for people, in Chinese (`zh`) or English.
            pub fn name(self, zh: bool) -> &'static str {
                match self {
                    $($ty::$variant => if zh { $zh } else { $en }),+
                }
            }
        }
    };
    (
        $(#[$meta:meta])*
        $vis:vis enum $ty:ident {
            $($(#[$vmeta:meta])* $variant:ident),+ $(,)?
        }
    ) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        $(#[$meta])*
        $vis enum $ty {
            $($(#[$vmeta])* $variant),+
        }

        impl $ty {
            /// Every variant, in declaration order.
            pub const ALL: [$ty; [$(stringify!($variant)),+].len()] = [$($ty::$variant),+];

            /// The variant's stable code.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $crate::snake_case!($variant)),+
                }
            }

            /// The variant with this code.
            pub fn parse(s: &str) -> Option<$ty> {
                $ty::ALL.into_iter().find(|v| v.as_str() == s)
            }
        }
    };
}

/// An identifier in snake_case, as a `&'static str` computed at compile time.
#[doc(hidden)]
#[macro_export]
macro_rules! snake_case {
    ($name:ident) => {{
        const NAME: &str = stringify!($name);
        const LEN: usize = $crate::snake::len(NAME);
        const BYTES: [u8; LEN] = $crate::snake::bytes::<LEN>(NAME);
        const CODE: &str = match ::core::str::from_utf8(&BYTES) {
            Ok(s) => s,
            Err(_) => panic!("not UTF-8"),
        };
        CODE
    }};
}

/// CamelCase to snake_case at compile time (for [`codes!`]): an underscore before every
/// upper-case letter but the first, then lower case (serde's rule for ASCII names).
#[doc(hidden)]
pub mod snake {
    pub const fn len(name: &str) -> usize {
        let b = name.as_bytes();
        let mut n = b.len();
        let mut i = 1;
        while i < b.len() {
            if b[i].is_ascii_uppercase() {
                n += 1;
            }
            i += 1;
        }
        n
    }

    pub const fn bytes<const N: usize>(name: &str) -> [u8; N] {
        let b = name.as_bytes();
        let mut out = [0u8; N];
        let (mut i, mut j) = (0, 0);
        while i < b.len() {
            if i > 0 && b[i].is_ascii_uppercase() {
                out[j] = b'_';
                j += 1;
            }
            out[j] = b[i].to_ascii_lowercase();
            j += 1;
            i += 1;
        }
        out
    }
}

#[cfg(test)]
mod codes_tests {
    use crate::case::{Action, Role, Status};
    use crate::catalogue::ServiceMode;

    /// Every code is what serde writes for the variant.
    #[test]
    fn codes_are_serde_names() {
        fn check<T: serde::Serialize + Copy>(all: &[T], code: fn(T) -> &'static str) {
            for v in all {
                assert_eq!(serde_json::to_value(v).unwrap(), code(*v));
            }
        }
        check(&Status::ALL, Status::as_str);
        check(&Action::ALL, Action::as_str);
        check(&Role::ALL, Role::as_str);
        check(&ServiceMode::ALL, ServiceMode::as_str);
        assert_eq!(Status::CorrectionRequested.as_str(), "correction_requested");
        assert_eq!(Status::parse("licence_issued"), Some(Status::LicenceIssued));
        assert_eq!(Status::parse("LicenceIssued"), None);
    }
}
