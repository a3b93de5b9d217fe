//! The request kinds of a load and their weights (a mix), and the presets.

use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Login,
    Search,
    File,
    Queue,
    Act,
    Stats,
    Verify,
    Firms,
    Match,
    Pipeline,
    Board,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Login => "login",
            Kind::Search => "matter search",
            Kind::File => "file a case",
            Kind::Queue => "read the queue",
            Kind::Act => "act on a case",
            Kind::Stats => "statistics",
            Kind::Verify => "verify licence",
            Kind::Firms => "find enterprises",
            Kind::Match => "rank a need",
            Kind::Pipeline => "move a match",
            Kind::Board => "pipeline board",
        }
    }

    pub(crate) const ALL: [Kind; 11] = [
        Kind::Login,
        Kind::Search,
        Kind::File,
        Kind::Queue,
        Kind::Act,
        Kind::Stats,
        Kind::Verify,
        Kind::Firms,
        Kind::Match,
        Kind::Pipeline,
        Kind::Board,
    ];

    /// The name used in `--mix`.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Kind::Login => "login",
            Kind::Search => "search",
            Kind::File => "file",
            Kind::Queue => "queue",
            Kind::Act => "act",
            Kind::Stats => "stats",
            Kind::Verify => "verify",
            Kind::Firms => "firms",
            Kind::Match => "match",
            Kind::Pipeline => "pipeline",
            Kind::Board => "board",
        }
    }
}

/// Parses a mix such as `login=2,search=30,file=20` (kinds left out get no requests), or the
/// name of a preset: `corridor` ([`CORRIDOR_MIX`]) or `cases` ([`CASES_MIX`]).
pub fn parse_mix(s: &str) -> anyhow::Result<Vec<(Kind, u32)>> {
    let s = match s.trim() {
        "corridor" => CORRIDOR_MIX,
        "cases" => CASES_MIX,
        other => other,
    };
    let mut mix: Vec<(Kind, u32)> = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, w) = part
            .split_once('=')
            .with_context(|| format!("--mix: `{part}` is not kind=weight"))?;
        let kind = Kind::ALL
            .into_iter()
            .find(|x| x.key() == k.trim())
            .with_context(|| {
                let known: Vec<&str> = Kind::ALL.iter().map(|k| k.key()).collect();
                format!(
                    "--mix: unknown kind `{}` (one of {}, or a preset: corridor, cases)",
                    k.trim(),
                    known.join(", ")
                )
            })?;
        let w: u32 = w
            .trim()
            .parse()
            .ok()
            .filter(|w| *w <= 1000)
            .with_context(|| format!("--mix: the weight of {k} must be a whole number 0-1000"))?;
        if mix.iter().any(|m| m.0 == kind) {
            anyhow::bail!("--mix: {k} is given twice");
        }
        mix.push((kind, w));
    }
    if mix.iter().map(|m| m.1).sum::<u32>() == 0 {
        anyhow::bail!("--mix: the weights add up to 0");
    }
    Ok(mix)
}

/// The whole corridor, in percent (the default): the any-window services, and e-licences
/// verified by whoever is shown one, and industry-chain matchmaking.
pub const CORRIDOR_MIX: &str =
    "login=2,search=23,file=16,queue=20,act=18,stats=1,verify=8,firms=6,match=3,pipeline=2,board=1";

/// tokio's timer resolution.
pub(crate) const TIMER_TICK: Duration = Duration::from_millis(1);

/// The any-window services alone, in percent: the default mix before licences and
/// matchmaking joined it, kept so that earlier figures can be reproduced.
pub const CASES_MIX: &str = "login=2,search=30,file=20,queue=25,act=22,stats=1";
