//! What the finance alliance's use cases take and answer, and ranking fits (the same for
//! members ranked for a need and needs ranked for a member).

use super::*;

corridor_domain::codes! {
    /// A member's place in a financing need's pipeline; `Declined` ends it from any open stage.
    #[derive(PartialOrd, Ord, utoipa::ToSchema)]
    pub enum FinanceStage {
        Suggested,
        Contacted,
        DueDiligence,
        Financed,
        Declined,
    }
}

impl FinanceStage {
    pub fn name(self, zh: bool) -> &'static str {
        match (self, zh) {
            (FinanceStage::Suggested, true) => "推荐",
            (FinanceStage::Suggested, false) => "Suggested",
            (FinanceStage::Contacted, true) => "已对接",
            (FinanceStage::Contacted, false) => "Contacted",
            (FinanceStage::DueDiligence, true) => "尽职调查",
            (FinanceStage::DueDiligence, false) => "Due diligence",
            (FinanceStage::Financed, true) => "已放款/投资",
            (FinanceStage::Financed, false) => "Financed",
            (FinanceStage::Declined, true) => "未合作",
            (FinanceStage::Declined, false) => "Declined",
        }
    }
    /// Forward (skipping allowed), or declined from any open stage.
    pub fn can_move_to(self, to: FinanceStage) -> bool {
        !matches!(self, FinanceStage::Financed | FinanceStage::Declined)
            && (to == FinanceStage::Declined || to > self)
    }
}

/// A member to add or replace (the joint office).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    pub uscc: String,
    #[schema(max_length = 200)]
    pub name_zh: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub name_en: String,
    pub kind: MemberKind,
    /// The member's city (six-digit code).
    pub city: String,
    /// One to twenty products.
    pub products: Vec<Product>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberView {
    pub uscc: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: MemberKind,
    pub city: String,
    pub products: Vec<Product>,
}

/// A financing need to post.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewFinancingNeed {
    /// The enterprise (the office must give it; an enterprise's account may omit it).
    #[serde(default)]
    pub uscc: Option<String>,
    #[serde(flatten)]
    pub spec: FinancingSpec,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FinancingNeedView {
    pub id: String,
    pub uscc: String,
    pub name_zh: String,
    pub name_en: String,
    pub city: String,
    pub cluster: String,
    /// `open`, `financed` or `withdrawn`.
    pub status: String,
    #[serde(flatten)]
    pub spec: FinancingSpec,
    pub financed_amount: Option<i64>,
    pub financed_by: Option<String>,
    pub financed_on: Option<String>,
    pub created: String,
}

/// How a member's best product fits a need: the score, each signal, the need's words found in
/// the product.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProductFit {
    pub rank: usize,
    pub product_zh: String,
    pub product_en: String,
    pub score: f32,
    pub signals: Vec<SignalView>,
    pub matched: Vec<String>,
    /// The member's stage in the need's pipeline.
    pub stage: Option<FinanceStage>,
}

/// A member as it fits a need.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberFit {
    pub uscc: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: MemberKind,
    #[serde(flatten)]
    pub fit: ProductFit,
    /// The amount financed, at `financed`.
    pub amount: Option<i64>,
}

/// A need as it fits a member: the same scorer the other way round.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NeedForMember {
    pub need: FinancingNeedView,
    #[serde(flatten)]
    pub fit: ProductFit,
}

/// The member's best product for a need, scored, with the member's stage (`None` when no
/// product).
pub(super) fn product_fit(
    need: &FinancingNeedView,
    m: &MemberView,
    members: &BTreeSet<String>,
    stage: Option<FinanceStage>,
) -> Option<ProductFit> {
    let (i, f) = fin::best_product(&need.spec, &firm_of(need), &m.products, members)?;
    Some(ProductFit {
        rank: 0,
        product_zh: m.products[i].name_zh.clone(),
        product_en: m.products[i].name_en.clone(),
        score: f.score,
        signals: f.signals.into_iter().map(SignalView::from).collect(),
        matched: f.matched,
        stage,
    })
}

/// What a ranking of fits sorts by.
pub(super) trait Fitted {
    fn fit(&mut self) -> &mut ProductFit;
    fn score_key(&self) -> (f32, &str);
}

impl Fitted for MemberFit {
    fn fit(&mut self) -> &mut ProductFit {
        &mut self.fit
    }
    fn score_key(&self) -> (f32, &str) {
        (self.fit.score, &self.uscc)
    }
}

impl Fitted for NeedForMember {
    fn fit(&mut self) -> &mut ProductFit {
        &mut self.fit
    }
    fn score_key(&self) -> (f32, &str) {
        (self.fit.score, &self.need.id)
    }
}

/// Best first (ties by id), each numbered from 1.
pub(super) fn ranked<T: Fitted>(mut v: Vec<T>) -> Vec<T> {
    v.sort_by(|a, b| {
        let ((sa, ka), (sb, kb)) = (a.score_key(), b.score_key());
        sb.total_cmp(&sa).then(ka.cmp(kb))
    });
    for (i, x) in v.iter_mut().enumerate() {
        x.fit().rank = i + 1;
    }
    v
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinanceMove {
    pub member_uscc: String,
    pub stage: FinanceStage,
    /// At `financed`: the amount, 万元.
    #[serde(default)]
    pub amount: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct FinanceCounts {
    pub members: i64,
    pub needs: i64,
    pub financed: i64,
    /// 万元.
    pub amount: i64,
}

pub(super) fn firm_of(v: &FinancingNeedView) -> fin::Firm {
    fin::Firm {
        city: v.city.clone(),
        cluster: corridor_industry::Cluster::parse(&v.cluster)
            .unwrap_or(corridor_industry::Cluster::HighEndEquipment),
    }
}
