//! Amounts by rule (issue #27 point 3): each city's rules as data, published by an operator
//! without a rebuild; the amount of a case computed when it is decided, recorded with the
//! decision, shown with how it was computed. The rule itself is
//! [`corridor_domain::amount`]; this module keeps the rules and records the amounts.

use crate::error::{AppError, AppResult, ErrorCode};
use crate::reference::Reference;
use crate::App;
use corridor_domain::amount::{AmountError, AmountRule, Computed};
use corridor_domain::case::{Principal, Role};
use corridor_domain::catalogue::Matter;
use corridor_store::{AmountRuleRecord, CaseAmountRecord, CaseRecord, Store};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The rules shipped in `data/amount_rules.json` (illustrative figures): each is published
/// for its (city, matter) when that has no rule yet, so an operator's rule is never replaced.
pub const SHIPPED_RULES: &str = include_str!("../../../data/amount_rules.json");

/// The longest note an operator may give with a rule.
pub const NOTE_LIMIT: usize = 500;

#[derive(Debug, Clone, Deserialize)]
struct Shipped {
    city: String,
    matter: String,
    rule: AmountRule,
}

/// One version of a city's rule, as the reference snapshot holds it.
#[derive(Debug, Clone)]
pub struct RuleInForce {
    pub version: i64,
    pub rule: AmountRule,
    pub published_ms: i64,
    pub note: String,
    /// The day (China Standard Time) it takes effect: as published, else the day it was.
    pub effective_from: time::Date,
}

impl RuleInForce {
    fn of(r: AmountRuleRecord, rule: AmountRule) -> RuleInForce {
        let published_on = time::OffsetDateTime::from_unix_timestamp(r.published_ms / 1000)
            .map(|t| t.to_offset(corridor_domain::clock::CST).date())
            .unwrap_or(time::Date::MIN);
        RuleInForce {
            effective_from: r
                .effective_from
                .as_deref()
                .and_then(|d| corridor_store::parse_date(d).ok())
                .unwrap_or(published_on),
            version: r.version,
            rule,
            published_ms: r.published_ms,
            note: r.note,
        }
    }
}

/// An amount as computed, with the version of the rule that computed it.
pub type Versioned = (i64, Computed);

/// Every version of the rules by (city, matter code), oldest version first.
pub type Rules = BTreeMap<(String, String), Vec<RuleInForce>>;

/// The version in force on `day`: the latest effective date not after it (the higher version
/// on the same date). Versions that take effect later wait for their day.
pub fn in_force(versions: &[RuleInForce], day: time::Date) -> Option<&RuleInForce> {
    versions
        .iter()
        .filter(|v| v.effective_from <= day)
        .max_by_key(|v| (v.effective_from, v.version))
}

/// Reads every version of the rules; one the store holds that no longer parses is left out
/// (and logged): should it be the one in force, a case of that matter cannot be decided until
/// an operator publishes another.
pub(crate) async fn load_rules(store: &Store) -> AppResult<Rules> {
    let mut out = Rules::new();
    for r in store.amount_rules_all().await? {
        match serde_json::from_str::<AmountRule>(&r.rule) {
            Ok(rule) => out
                .entry((r.city.clone(), r.matter_code.clone()))
                .or_default()
                .push(RuleInForce::of(r, rule)),
            Err(e) => {
                tracing::warn!(city = %r.city, matter = %r.matter_code, version = r.version, error = %e, "amount rule unreadable")
            }
        }
    }
    Ok(out)
}

/// Publishes the shipped rules that fit the catalogue in force for the (city, matter)s
/// without a rule. Returns how many were published.
pub(crate) async fn seed_rules(store: &Store, r: &Reference, now_ms: i64) -> AppResult<u64> {
    let shipped: Vec<Shipped> = serde_json::from_str(SHIPPED_RULES).map_err(|e| {
        AppError::new(
            ErrorCode::InvalidReferenceData,
            format!("amount_rules.json: {e}"),
        )
    })?;
    let rows: Vec<AmountRuleRecord> = shipped
        .into_iter()
        .filter(|s| r.jurisdiction(&s.city).is_some())
        .filter(|s| {
            r.current_matter(&s.matter)
                .is_some_and(|m| s.rule.validate(m).is_ok())
        })
        .map(|s| AmountRuleRecord {
            city: s.city,
            matter_code: s.matter,
            version: 1,
            rule: serde_json::to_string(&s.rule).unwrap_or_default(),
            published_ms: now_ms,
            published_by: "system".into(),
            note: "shipped rule (illustrative figures)".into(),
            effective_from: None,
        })
        .collect();
    if rows.is_empty() {
        return Ok(0);
    }
    let mut tx = store.begin_write().await?;
    let n = Store::seed_amount_rules(&mut tx, &rows).await?;
    tx.commit().await?;
    Ok(n)
}

/// A rule in force, as the API and pages show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AmountRuleView {
    pub city: String,
    pub city_zh: String,
    pub city_en: String,
    pub matter_code: String,
    pub matter_name_zh: String,
    pub matter_name_en: String,
    pub version: i64,
    pub rule: AmountRule,
    pub published_at: String,
    /// The day it takes effect (YYYY-MM-DD, China Standard Time).
    pub effective_from: String,
    /// In force today (of a rule's versions, at most one; a later one may be waiting for its
    /// day).
    pub in_force: bool,
    pub note: String,
}

/// The amounts decided in a city for a matter: how many, and their total.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AmountTotal {
    pub city: String,
    pub city_zh: String,
    pub city_en: String,
    pub matter_code: String,
    pub matter_name_zh: String,
    pub matter_name_en: String,
    pub kind: corridor_domain::amount::AmountKind,
    pub decisions: i64,
    /// Over all months of a monthly amount, in fen.
    pub total_fen: i64,
}

/// A rule to publish for a city's matter.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishAmountRule {
    pub rule: AmountRule,
    /// Why the rule changes (a policy document, a date): kept with the version.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
    /// The day it takes effect (YYYY-MM-DD, China Standard Time; today or later, at most
    /// two years ahead). Absent: today.
    #[serde(default)]
    #[schema(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub effective_from: Option<String>,
}

/// The amount of a case: as its decision recorded it, or, before the decision, as the rule in
/// force would compute it now (for the reviewer).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AmountView {
    /// The decision recorded it (else it is what the rule in force gives today).
    pub decided: bool,
    pub rule_version: i64,
    pub summary_zh: String,
    pub summary_en: String,
    pub computed: Computed,
}

fn amount_error(e: AmountError, city: &str) -> AppError {
    AppError::new(
        ErrorCode::AmountNotComputed,
        format!("city {city}'s rule: {}", e.en),
    )
    .with_zh(format!("城市 {city} 的规则：{}", e.zh))
}

/// The view of an amount just decided.
pub(crate) fn decided_view(computed: Computed, rule_version: i64) -> AmountView {
    view_of(computed, rule_version, true)
}

fn view_of(computed: Computed, rule_version: i64, decided: bool) -> AmountView {
    AmountView {
        decided,
        rule_version,
        summary_zh: computed.summary(true),
        summary_en: computed.summary(false),
        computed,
    }
}

impl App {
    /// The amount the rule in force in the case's competent city gives for its form: none
    /// when the matter computes no amount; an error when no rule is in force or the form lacks
    /// what the rule needs.
    pub(crate) fn compute_amount(
        &self,
        r: &Reference,
        c: &CaseRecord,
        m: &Matter,
    ) -> AppResult<Option<Versioned>> {
        if m.amount.is_none() {
            return Ok(None);
        }
        let city = c.competent_city.as_str();
        let rule = r
            .rules
            .get(&(city.to_string(), c.matter_code.clone()))
            .and_then(|v| in_force(v, self.today()))
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::AmountNotComputed,
                    format!(
                        "city {city} has no rule for the amount of {}: an operator publishes one",
                        c.matter_code
                    ),
                )
                .with_zh(format!(
                    "城市 {city} 尚无事项 {} 的数额规则，须由管理员发布",
                    c.matter_code
                ))
            })?;
        let form = serde_json::from_str(&c.form).unwrap_or_default();
        let computed = rule
            .rule
            .compute(m, &form)
            .map_err(|e| amount_error(e, city))?;
        Ok(Some((rule.version, computed)))
    }

    /// An approval's amount (none for another action or a matter without one): as computed,
    /// and as the writer records it.
    pub(crate) fn decision_amount(
        &self,
        r: &Reference,
        action: corridor_domain::case::Action,
        n: &CaseRecord,
        matter: Option<&Matter>,
    ) -> AppResult<(Option<Versioned>, Option<CaseAmountRecord>)> {
        let computed = match (action, matter) {
            (corridor_domain::case::Action::Approve, Some(m)) => self.compute_amount(r, n, m)?,
            _ => None,
        };
        let record = computed
            .as_ref()
            .map(|a| App::amount_record(n, a, n.updated_ms));
        Ok((computed, record))
    }

    /// The record of a decision's amount.
    pub(crate) fn amount_record(
        c: &CaseRecord,
        (version, computed): &Versioned,
        now_ms: i64,
    ) -> CaseAmountRecord {
        CaseAmountRecord {
            case_id: c.id.to_string(),
            city: c.competent_city.clone(),
            matter_code: c.matter_code.clone(),
            rule_version: *version,
            kind: computed.kind.as_str().to_string(),
            amount_fen: computed.amount_fen,
            total_fen: computed.total_fen,
            computed: serde_json::to_string(computed).unwrap_or_default(),
            decided_ms: now_ms,
        }
    }

    /// A case's amount for its view: the recorded one, else (while undecided, for those who
    /// see the form) what the rule in force gives today.
    /// `masked`: the caller sees the case masked, so not the steps (they quote the form).
    pub(crate) async fn amount_view(
        &self,
        c: &CaseRecord,
        masked: bool,
    ) -> AppResult<Option<AmountView>> {
        // Most matters compute none: no read for them.
        let r = self.reference();
        let Some(m) = r
            .matter(&c.matter_code, c.catalogue_version)
            .filter(|m| m.amount.is_some())
        else {
            return Ok(None);
        };
        if let Some(a) = self.store.case_amount(&c.id.to_string()).await? {
            let mut computed: Computed = serde_json::from_str(&a.computed).map_err(|e| {
                AppError::new(ErrorCode::Internal, format!("case amount unreadable: {e}"))
            })?;
            if masked {
                computed.steps.clear();
            }
            return Ok(Some(view_of(computed, a.rule_version, true)));
        }
        // Before the decision, an estimate by the rule in force today, marked as such: for
        // those who see the form unmasked (the applicant, the receiving window, the competent
        // reviewer), and only where this node holds the competent city's rules (on a
        // federation, another city's operator may have published a rule this node lacks).
        let estimate = !c.status.is_closed()
            && !masked
            && self.node_city().is_none_or(|mine| mine == c.competent_city);
        if !estimate {
            return Ok(None);
        }
        // A rule that cannot compute is said at the decision; the preview is just left out.
        Ok(self
            .compute_amount(&r, c, m)
            .ok()
            .flatten()
            .map(|(v, computed)| view_of(computed, v, false)))
    }

    /// The amounts decided by rule, by deciding city and matter, decided in month `since`
    /// (`YYYY-MM`, China Standard Time) or later (the joint office and administrators; on a
    /// node, those this node holds).
    pub async fn amount_totals(
        &self,
        p: &Principal,
        since: Option<&str>,
    ) -> AppResult<Vec<AmountTotal>> {
        if !p.sees_corridor_figures() {
            return Err(
                AppError::forbidden("only the joint office sees the amounts decided")
                    .with_zh("只有联席办可以查看核定数额统计"),
            );
        }
        let since_ms = match since {
            Some(m) => {
                let m = crate::stats::parse_month(m)?;
                let month = time::Month::try_from(m[5..].parse::<u8>().unwrap_or(1))
                    .unwrap_or(time::Month::January);
                time::Date::from_calendar_date(m[..4].parse().unwrap_or(2000), month, 1)
                    .map(|d| {
                        d.midnight()
                            .assume_offset(corridor_domain::clock::CST)
                            .unix_timestamp()
                            * 1000
                    })
                    .unwrap_or(0)
            }
            None => 0,
        };
        let r = self.reference();
        let rows = self.store.amount_totals(since_ms).await?;
        Ok(rows
            .into_iter()
            .filter_map(|(city, code, kind, decisions, total_fen)| {
                let j = r.jurisdiction(&city);
                let m = r.current_matter(&code);
                Some(AmountTotal {
                    city_zh: j.map(|j| j.name_zh.clone()).unwrap_or_default(),
                    city_en: j.map(|j| j.name_en.clone()).unwrap_or_default(),
                    city,
                    matter_name_zh: m.map(|m| m.name_zh.clone()).unwrap_or_default(),
                    matter_name_en: m.map(|m| m.name_en.clone()).unwrap_or_default(),
                    matter_code: code,
                    kind: corridor_domain::amount::AmountKind::parse(&kind)?,
                    decisions,
                    total_fen,
                })
            })
            .collect())
    }

    /// The rules in force today, by matter and city, each followed by any version published
    /// to take effect later (public: applicants read what they may get).
    pub fn amount_rules(&self) -> Vec<AmountRuleView> {
        let (r, today) = (self.reference(), self.today());
        let mut out = Vec::new();
        for ((city, code), versions) in &r.rules {
            let now = in_force(versions, today);
            out.extend(now.map(|v| rule_view(&r, (city, code), v, true)));
            let mut later: Vec<&RuleInForce> = versions
                .iter()
                .filter(|v| v.effective_from > today)
                .collect();
            later.sort_by_key(|v| (v.effective_from, v.version));
            out.extend(
                later
                    .into_iter()
                    .map(|v| rule_view(&r, (city, code), v, false)),
            );
        }
        out
    }

    /// Every version of a city's rule for a matter, the newest first.
    pub async fn amount_rule_history(
        &self,
        city: &str,
        matter: &str,
    ) -> AppResult<Vec<AmountRuleView>> {
        let r = self.reference();
        let rows = self.store.amount_rule_history(city, matter).await?;
        if rows.is_empty() {
            return Err(AppError::not_found(format!("amount rule {city}/{matter}"))
                .with_zh(format!("数额规则 {city}/{matter}")));
        }
        let versions = rows
            .into_iter()
            .map(|row| {
                let rule = serde_json::from_str(&row.rule).map_err(|e| {
                    AppError::new(ErrorCode::Internal, format!("amount rule unreadable: {e}"))
                })?;
                Ok(RuleInForce::of(row, rule))
            })
            .collect::<AppResult<Vec<_>>>()?;
        let now = in_force(&versions, self.today()).map(|v| v.version);
        Ok(versions
            .iter()
            .map(|v| rule_view(&r, (city, matter), v, now == Some(v.version)))
            .collect())
    }

    /// Publishes a city's rule for a matter as its next version (the joint office or an
    /// administrator; on a city's node, for that city only). Decisions from now on use it;
    /// amounts already decided keep the version they were computed by.
    pub async fn publish_amount_rule(
        &self,
        p: &Principal,
        city: &str,
        matter: &str,
        req: PublishAmountRule,
    ) -> AppResult<AmountRuleView> {
        if !matches!(p.role, Role::JointOffice | Role::Admin) {
            return Err(AppError::forbidden(
                "only the joint office or an administrator publishes amount rules",
            )
            .with_zh("只有联席办或管理员可以发布数额规则"));
        }
        if self.node_city().is_some_and(|mine| mine != city) {
            return Err(AppError::forbidden(format!(
                "this node serves another city: city {city}'s rules are published on its own node"
            ))
            .with_zh(format!(
                "本节点服务其他城市：城市 {city} 的规则须在其节点发布"
            )));
        }
        let r = self.reference();
        if r.jurisdiction(city).is_none() {
            return Err(AppError::not_found(format!("member city {city}"))
                .with_zh(format!("成员城市 {city}")));
        }
        let m = r.current_matter(matter).ok_or_else(|| {
            AppError::not_found(format!("matter {matter}")).with_zh(format!("事项 {matter}"))
        })?;
        req.rule.validate(m).map_err(|e| {
            AppError::new(ErrorCode::InvalidReferenceData, format!("rule: {}", e.en))
                .with_zh(format!("规则：{}", e.zh))
        })?;
        let note = corridor_domain::text::field(
            "note",
            &req.note,
            corridor_domain::text::Limit::paragraph(NOTE_LIMIT).optional(),
        )
        .map_err(|e| AppError::fields(vec![e]))?
        .unwrap_or_default();
        let effective_from = self.effective_date(req.effective_from.as_deref())?;
        let now = self.now_ms();
        let rec = AmountRuleRecord {
            city: city.to_string(),
            matter_code: matter.to_string(),
            version: 0,
            rule: serde_json::to_string(&req.rule).unwrap_or_default(),
            published_ms: now,
            published_by: p.user_id.to_string(),
            note: note.clone(),
            effective_from: effective_from.map(corridor_store::date_str),
        };
        let (actor, role) = (p.user_id.to_string(), p.role.as_str());
        let version = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
        let v = version.clone();
        self.write(Box::new(move |tx| {
            let (rec, actor, v) = (rec.clone(), actor.clone(), v.clone());
            Box::pin(async move {
                let n = Store::publish_amount_rule(tx, &rec).await?;
                v.store(n, std::sync::atomic::Ordering::SeqCst);
                let after = serde_json::json!({
                    "city": rec.city, "matter": rec.matter_code, "version": n,
                    "rule": serde_json::from_str::<serde_json::Value>(&rec.rule).unwrap_or_default(),
                    "note": rec.note, "effective_from": rec.effective_from,
                });
                Store::append_event(
                    tx,
                    "system:amount_rules",
                    rec.published_ms,
                    &actor,
                    role,
                    "publish_amount_rule",
                    "{}".into(),
                    after.to_string(),
                )
                .await?;
                Ok(())
            })
        }))
        .await?;
        self.reload_reference().await?;
        tracing::info!(
            city,
            matter,
            version = version.load(std::sync::atomic::Ordering::SeqCst),
            "amount rule published"
        );
        let n = version.load(std::sync::atomic::Ordering::SeqCst);
        self.amount_rule_history(city, matter)
            .await?
            .into_iter()
            .find(|v| v.version == n)
            .ok_or_else(|| {
                AppError::internal(format!("amount rule {city}/{matter} v{n} not read back"))
            })
    }

    /// A new rule's effective date: today or later, at most two years ahead; `None` for today.
    fn effective_date(&self, given: Option<&str>) -> AppResult<Option<time::Date>> {
        let Some(given) = given.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        let today = self.today();
        let bad = |en: &str, zh: &str| {
            AppError::fields(vec![corridor_domain::catalogue::FieldError::new(
                "effective_from",
                en,
                zh,
            )])
        };
        let d = corridor_store::parse_date(given).map_err(|_| {
            bad(
                "the effective date is a date, YYYY-MM-DD",
                "生效日期须为日期，格式 YYYY-MM-DD",
            )
        })?;
        if d < today {
            return Err(bad(
                "a rule takes effect today or later: decided amounts keep the rule they were decided by",
                "规则只能自今日或以后生效：已决定的数额仍按当时的规则",
            ));
        }
        if d > today + time::Duration::days(730) {
            return Err(bad(
                "a rule takes effect at most two years ahead",
                "生效日期最多可设在两年之后",
            ));
        }
        Ok((d > today).then_some(d))
    }
}

fn rule_view(
    r: &Reference,
    (city, code): (&str, &str),
    rif: &RuleInForce,
    in_force: bool,
) -> AmountRuleView {
    let j = r.jurisdiction(city);
    let m = r.current_matter(code);
    AmountRuleView {
        city: city.to_string(),
        city_zh: j.map(|j| j.name_zh.clone()).unwrap_or_default(),
        city_en: j.map(|j| j.name_en.clone()).unwrap_or_default(),
        matter_code: code.to_string(),
        matter_name_zh: m.map(|m| m.name_zh.clone()).unwrap_or_default(),
        matter_name_en: m.map(|m| m.name_en.clone()).unwrap_or_default(),
        version: rif.version,
        rule: rif.rule.clone(),
        published_at: crate::cases::rfc3339(rif.published_ms),
        effective_from: corridor_store::date_str(rif.effective_from),
        in_force,
        note: rif.note.clone(),
    }
}
