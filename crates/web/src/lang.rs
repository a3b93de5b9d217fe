//! The pages' languages: every string a page shows, in Chinese and English, and how a
//! request's language is chosen.

use axum::http::{header, HeaderMap};
use corridor_domain::catalogue::ServiceMode;
use serde::Deserialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

/// Every string a page shows, in one language.
pub struct Texts {
    pub html_lang: &'static str,
    pub site: &'static str,
    pub language: &'static str,
    pub footer: &'static str,
    pub home_title: &'static str,
    pub home_intro: &'static str,
    pub search_label: &'static str,
    pub search: &'static str,
    pub mode: &'static str,
    pub modes: &'static str,
    pub city: &'static str,
    pub any: &'static str,
    pub members: &'static str,
    pub matters_in_catalogue: &'static str,
    pub windows_count: &'static str,
    pub results: &'static str,
    pub found: &'static str,
    pub matter: &'static str,
    pub limits: &'static str,
    pub working_days: &'static str,
    pub next_page: &'static str,
    pub catalogue_version: &'static str,
    pub authority: &'static str,
    pub promised: &'static str,
    pub statutory: &'static str,
    pub fee: &'static str,
    pub free: &'static str,
    pub output: &'static str,
    pub materials: &'static str,
    pub no_file: &'static str,
    pub material_prefix: &'static str,
    pub field_prefix: &'static str,
    pub correction_names: &'static str,
    pub correct_what: &'static str,
    pub attach_file: &'static str,
    pub attach_hint: &'static str,
    pub materials_complete: &'static str,
    pub materials_incomplete: &'static str,
    pub file_added_by: &'static str,
    pub mark_received: &'static str,
    pub mark_original: &'static str,
    pub original_tag: &'static str,
    pub save_checks: &'static str,
    pub checks_hint: &'static str,
    pub gap_no_file: &'static str,
    pub gap_not_received: &'static str,
    pub gap_original: &'static str,
    pub required_tag: &'static str,
    pub open_file: &'static str,
    pub fields: &'static str,
    pub field: &'static str,
    pub required: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub not_found: &'static str,
    pub verify_title: &'static str,
    pub verify_intro: &'static str,
    pub verify_label: &'static str,
    pub verify_button: &'static str,
    pub verify_file: &'static str,
    pub file_this: &'static str,
    pub verdict_valid: &'static str,
    pub verdict_invalid: &'static str,
    pub holder: &'static str,
    pub number: &'static str,
    pub issuer: &'static str,
    pub valid_until: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub my_cases: &'static str,
    pub industry: &'static str,
    pub cases_count: &'static str,
    pub receipt: &'static str,
    pub status: &'static str,
    pub deadline: &'static str,
    pub overdue: &'static str,
    pub near_due: &'static str,
    pub paused: &'static str,
    pub applicant: &'static str,
    pub received_at: &'static str,
    pub decided_by: &'static str,
    pub timeline: &'static str,
    pub bad_form: &'static str,
    pub actions: &'static str,
    pub reason: &'static str,
    pub identity_checked: &'static str,
    pub identity_seen: &'static str,
    // Strings of single pages.
    pub choose_the_kind_of_need: &'static str,
    pub submitted: &'static str,
    pub deciding_city: &'static str,
    pub service_mode: &'static str,
    pub receiving_window: &'static str,
    pub identity_check: &'static str,
    pub done: &'static str,
    pub not_done: &'static str,
    pub id_of_the_agent_at: &'static str,
    pub agent_s_id_number: &'static str,
    pub choose_how_to_file: &'static str,
    pub i_authorised: &'static str,
    pub authorised_me: &'static str,
    pub every_matter: &'static str,
    pub revoked: &'static str,
    pub in_force: &'static str,
    pub cases_per_month_by_receiving: &'static str,
    pub cross_province_share_by_month: &'static str,
    pub decided: &'static str,
    pub on_time_rate_by_deciding: &'static str,
    pub on_time_rate_by_matter: &'static str,
    pub top_matters_by_volume: &'static str,
    pub t_11_digit_mobile_number: &'static str,
    pub t_18_characters: &'static str,
    pub t_18_character_resident_id: &'static str,
    pub t_9_characters: &'static str,
    pub high_tech: &'static str,
    pub specialised_sme: &'static str,
    pub head_enterprise: &'static str,
    pub listed: &'static str,
    pub text_relevance: &'static str,
    pub cluster: &'static str,
    pub industry_class: &'static str,
    pub preferred_city: &'static str,
    pub corridor_city: &'static str,
    pub city_2: &'static str,
    pub cluster_2: &'static str,
    pub recognition: &'static str,
    pub certification: &'static str,
    pub required_certifications: &'static str,
    pub clusters: &'static str,
    pub industry_classes: &'static str,
    pub preferred_cities: &'static str,
    pub choose_a_stage: &'static str,
}

pub(crate) const ZH: Texts = Texts {
    html_lang: "zh-CN",
    site: "G60科创走廊 跨省通办",
    language: "语言",
    footer: "长三角G60科创走廊九城市政务服务“一网通办”“异地通办”。",
    home_title: "异地受理 · 远程审批 · 就近发证",
    home_intro: "在九城市任一通办窗口或网上提交，由申请人所在地的有权机关审批。",
    search_label: "查找事项（中文或英文）",
    search: "查找",
    mode: "办理方式",
    modes: "办理方式",
    city: "审批城市",
    any: "不限",
    members: "成员城市",
    matters_in_catalogue: "项通办事项",
    windows_count: "个通办窗口",
    results: "事项查询",
    found: "项事项",
    matter: "事项",
    limits: "承诺/法定时限",
    working_days: "个工作日",
    next_page: "下一页",
    catalogue_version: "目录版本",
    authority: "审批机关类别",
    promised: "承诺",
    statutory: "法定",
    fee: "收费",
    free: "不收费",
    output: "办理结果",
    materials: "申请材料",
    no_file: "尚未提交文件",
    material_prefix: "材料：",
    field_prefix: "字段：",
    correction_names: "需补正的材料和字段",
    correct_what: "要求补正时可勾选须补正的材料和字段",
    attach_file: "上传文件",
    attach_hint: "PDF、JPEG 或 PNG，单个文件不超过",
    materials_complete: "必需材料已齐全",
    materials_incomplete: "尚缺必需材料，齐全后方可转递",
    file_added_by: "提交人",
    mark_received: "已收取",
    mark_original: "已核验原件",
    original_tag: "（须核验原件）",
    save_checks: "保存材料核验",
    checks_hint: "逐项确认已收取的材料；标明须核验原件的，核验原件后勾选。",
    gap_no_file: "未提交文件",
    gap_not_received: "窗口未确认收取",
    gap_original: "窗口未核验原件",
    required_tag: "（必需）",
    open_file: "查看",
    fields: "填报内容",
    field: "字段",
    required: "必填",
    yes: "是",
    no: "否",
    not_found: "未找到该事项",
    verify_title: "电子证照核验",
    verify_intro: "粘贴证照二维码内容（以 G60:1: 开头），核验签名、有效期和吊销状态。",
    verify_label: "二维码内容",
    verify_button: "核验",
    verify_file: "或上传证照文件（.cose）",
    file_this: "在线办理",
    verdict_valid: "有效证照",
    verdict_invalid: "证照无效",
    holder: "持证主体",
    number: "证照编号",
    issuer: "发证机关",
    valid_until: "有效期至",
    sign_in: "登录",
    sign_out: "退出登录",
    username: "用户名",
    password: "密码",
    my_cases: "我的办件",
    industry: "产业链",
    cases_count: "件",
    receipt: "受理编号",
    status: "状态",
    deadline: "办结期限",
    overdue: "已逾期",
    near_due: "临近期限",
    paused: "补正中，计时暂停",
    applicant: "申请人",
    received_at: "收件地",
    decided_by: "审批机关",
    timeline: "办理过程",
    bad_form: "表单已过期，请重新提交",
    actions: "办理",
    reason: "理由或说明（不予受理、不予许可、补正时必填）",
    identity_checked: "已核验申请人身份和材料形式",
    identity_seen: "代理人证件号（由他人代办时填写；须已登记授权）",
    submitted: "提交申请",
    deciding_city: "审批城市",
    service_mode: "办理方式",
    receiving_window: "收件窗口",
    identity_check: "身份核验",
    done: "已核验",
    not_done: "未核验",
    id_of_the_agent_at: "窗口所见代理人证件号",
    agent_s_id_number: "代理人证件号",
    choose_how_to_file: "请选择办理方式",
    i_authorised: "我授权给",
    authorised_me: "授权给我",
    every_matter: "全部事项",
    revoked: "已撤销",
    in_force: "有效",
    cases_per_month_by_receiving: "各城市每月收件量",
    cross_province_share_by_month: "跨省通办占比（按月）",
    decided: "件已办结",
    on_time_rate_by_deciding: "各审批城市按时办结率",
    on_time_rate_by_matter: "主要事项按时办结率",
    top_matters_by_volume: "办件量最多的事项",
    t_11_digit_mobile_number: "11位手机号码",
    t_18_characters: "18位统一社会信用代码",
    t_18_character_resident_id: "18位居民身份证号码",
    t_9_characters: "9位组织机构代码",
    high_tech: "高新技术企业",
    specialised_sme: "专精特新",
    head_enterprise: "链主企业",
    listed: "上市公司",
    text_relevance: "文本相关度",
    cluster: "产业集群",
    industry_class: "行业分类",
    preferred_city: "优先城市",
    corridor_city: "走廊城市",
    city_2: "城市",
    cluster_2: "产业集群",
    recognition: "资质",
    certification: "认证",
    required_certifications: "必需认证",
    clusters: "产业集群",
    industry_classes: "行业分类",
    preferred_cities: "优先城市",
    choose_a_stage: "请选择阶段",
    choose_the_kind_of_need: "请选择需求类型",
};

pub(crate) const EN: Texts = Texts {
    html_lang: "en",
    site: "G60 Corridor Any-Window Services",
    language: "Language",
    footer: "Cross-city government services of the nine cities of the Yangtze River Delta G60 Science and Technology Innovation Corridor.",
    home_title: "Accept locally · approve remotely · issue locally",
    home_intro: "File online or at any service window in the nine cities; the competent authority of your home city decides.",
    search_label: "Find a matter (Chinese or English)",
    search: "Search",
    mode: "Service mode",
    modes: "Service modes",
    city: "Deciding city",
    any: "Any",
    members: "Member cities",
    matters_in_catalogue: "matters in the catalogue",
    windows_count: "service windows",
    results: "Find a matter",
    found: "matters found",
    matter: "Matter",
    limits: "Promised / statutory limit",
    working_days: "working days",
    next_page: "Next page",
    catalogue_version: "catalogue version",
    authority: "Competent authority",
    promised: "promised",
    statutory: "statutory",
    fee: "Fee",
    free: "free of charge",
    output: "Result",
    materials: "Materials",
    no_file: "No file yet",
    material_prefix: "Material: ",
    field_prefix: "Field: ",
    correction_names: "What to correct",
    correct_what: "With a correction request, tick the materials and fields to correct",
    attach_file: "Attach a file",
    attach_hint: "PDF, JPEG or PNG, a file at most",
    materials_complete: "Every required material is in",
    materials_incomplete: "Required materials are missing; the case is forwarded only when they are in",
    file_added_by: "Added by",
    mark_received: "Received",
    mark_original: "Original seen",
    original_tag: "(original to be seen)",
    save_checks: "Save the material checks",
    checks_hint: "Confirm each material handed in; where the original is to be seen, tick it once you have seen it.",
    gap_no_file: "no file handed in",
    gap_not_received: "not marked received at the window",
    gap_original: "original not yet seen at the window",
    required_tag: "(required)",
    open_file: "Open",
    fields: "Form fields",
    field: "Field",
    required: "Required",
    yes: "yes",
    no: "no",
    not_found: "No such matter",
    verify_title: "Verify an e-licence",
    verify_intro: "Paste the licence's QR text (it starts with G60:1:) to check its signature, validity and revocation.",
    verify_label: "QR text",
    verify_button: "Verify",
    verify_file: "Or upload the licence file (.cose)",
    file_this: "File this matter",
    verdict_valid: "Valid licence",
    verdict_invalid: "Not valid",
    holder: "Holder",
    number: "Licence number",
    issuer: "Issued by",
    valid_until: "Valid until",
    sign_in: "Sign in",
    sign_out: "Sign out",
    username: "Username",
    password: "Password",
    my_cases: "My cases",
    industry: "Industry chain",
    cases_count: "cases",
    receipt: "Receipt number",
    status: "Status",
    deadline: "Deadline",
    overdue: "overdue",
    near_due: "near the deadline",
    paused: "correction pending, clock paused",
    applicant: "Applicant",
    received_at: "Received at",
    decided_by: "Decided by",
    timeline: "History",
    bad_form: "The form expired; please submit it again",
    actions: "Act on this case",
    reason: "Reason or note (required to refuse, reject or request a correction)",
    identity_checked: "Applicant's identity and the form of the materials checked",
    identity_seen: "Agent's ID number (when someone else comes for the person; an authorisation must be on record)",
    submitted: "submitted",
    deciding_city: "Deciding city",
    service_mode: "Service mode",
    receiving_window: "Receiving window",
    identity_check: "Identity check",
    done: "done",
    not_done: "not done",
    id_of_the_agent_at: "ID of the agent at the window",
    agent_s_id_number: "Agent's ID number",
    choose_how_to_file: "Choose how to file",
    i_authorised: "I authorised",
    authorised_me: "Authorised me",
    every_matter: "every matter",
    revoked: "revoked",
    in_force: "in force",
    cases_per_month_by_receiving: "Cases per month by receiving city",
    cross_province_share_by_month: "Cross-province share by month",
    decided: "decided",
    on_time_rate_by_deciding: "On-time rate by deciding city",
    on_time_rate_by_matter: "On-time rate by matter",
    top_matters_by_volume: "Top matters by volume",
    t_11_digit_mobile_number: "11-digit mobile number",
    t_18_characters: "18 characters",
    t_18_character_resident_id: "18-character resident ID",
    t_9_characters: "9 characters",
    high_tech: "high-tech",
    specialised_sme: "specialised SME",
    head_enterprise: "head enterprise",
    listed: "listed",
    text_relevance: "text relevance",
    cluster: "cluster",
    industry_class: "industry class",
    preferred_city: "preferred city",
    corridor_city: "corridor city",
    city_2: "City",
    cluster_2: "Cluster",
    recognition: "Recognition",
    certification: "Certification",
    required_certifications: "Required certifications",
    clusters: "Clusters",
    industry_classes: "Industry classes",
    preferred_cities: "Preferred cities",
    choose_a_stage: "Choose a stage",
    choose_the_kind_of_need: "Choose the kind of need",
};

impl Lang {
    /// The Chinese or the English of a pair, for strings used on one page only.
    pub fn pick(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// The Chinese or the English of a pair of owned strings (catalogue names and the like).
    pub fn of(self, zh: &str, en: &str) -> String {
        match self {
            Lang::Zh => zh.to_string(),
            Lang::En => en.to_string(),
        }
    }

    /// An error code's title in this language.
    pub fn error_title(self, code: corridor_app::ErrorCode) -> &'static str {
        match self {
            Lang::Zh => code.title_zh(),
            Lang::En => code.title_en(),
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
    /// The verifier's reason codes in words.
    pub(crate) fn reason(self, code: &str) -> &'static str {
        match (self, code) {
            (Lang::Zh, "malformed") => "格式错误",
            (Lang::Zh, "unknown_key") => "签名密钥不在信任列表中",
            (Lang::Zh, "bad_signature") => "签名不符，内容可能被篡改",
            (Lang::Zh, "key_revoked") => "签发密钥已声明泄露",
            (Lang::Zh, "not_yet_valid") => "尚未生效",
            (Lang::Zh, "expired") => "已过有效期",
            (Lang::Zh, "licence_revoked") => "证照已被发证机关吊销",
            (Lang::En, "malformed") => "malformed",
            (Lang::En, "unknown_key") => "signed with a key that is not in the trust list",
            (Lang::En, "bad_signature") => {
                "the signature does not match: the content may have been altered"
            }
            (Lang::En, "key_revoked") => "the signing key was reported compromised",
            (Lang::En, "not_yet_valid") => "not yet valid",
            (Lang::En, "expired") => "expired",
            (Lang::En, "licence_revoked") => "revoked by the issuing authority",
            _ => "invalid",
        }
    }

    pub(crate) fn action(self, a: corridor_domain::case::Action) -> &'static str {
        use corridor_domain::case::Action::*;
        match (self, a) {
            (Lang::Zh, Receive) => "收件",
            (Lang::Zh, Forward) => "转递",
            (Lang::Zh, Accept) => "受理",
            (Lang::Zh, Refuse) => "不予受理",
            (Lang::Zh, RequestCorrection) => "要求补正",
            (Lang::Zh, Resubmit) => "提交补正",
            (Lang::Zh, Approve) => "批准",
            (Lang::Zh, Reject) => "不予许可",
            (Lang::Zh, IssueLicence) => "发证",
            (Lang::Zh, Deliver) => "送达",
            (Lang::Zh, Withdraw) => "撤回",
            (Lang::En, Receive) => "Receive",
            (Lang::En, Forward) => "Forward",
            (Lang::En, Accept) => "Accept",
            (Lang::En, Refuse) => "Refuse",
            (Lang::En, RequestCorrection) => "Request a correction",
            (Lang::En, Resubmit) => "Resubmit",
            (Lang::En, Approve) => "Approve",
            (Lang::En, Reject) => "Reject",
            (Lang::En, IssueLicence) => "Issue the licence",
            (Lang::En, Deliver) => "Deliver",
            (Lang::En, Withdraw) => "Withdraw",
        }
    }

    pub(crate) fn role(self, r: corridor_domain::case::Role) -> &'static str {
        use corridor_domain::case::Role::*;
        match r {
            Applicant => self.pick("申请人", "applicant"),
            Clerk => self.pick("窗口收件人员", "window clerk"),
            Reviewer => self.pick("审批人员", "reviewer"),
            JointOffice => self.pick("联席办", "joint office"),
            Admin => self.pick("系统管理员", "administrator"),
        }
    }

    pub(crate) fn mode(self, m: ServiceMode) -> &'static str {
        match (self, m) {
            (Lang::Zh, ServiceMode::FullyOnline) => "全程网办",
            (Lang::Zh, ServiceMode::RemoteReceipt) => "异地代收代办",
            (Lang::Zh, ServiceMode::MultiSite) => "多地联办",
            (Lang::En, ServiceMode::FullyOnline) => "fully online",
            (Lang::En, ServiceMode::RemoteReceipt) => "remote receipt",
            (Lang::En, ServiceMode::MultiSite) => "multi-site",
        }
    }
}

#[derive(Deserialize, Default)]
pub struct LangQuery {
    pub lang: Option<String>,
}

/// `?lang=` wins (and is remembered), then the `lang` cookie, then Accept-Language; Chinese
/// by default.
pub(crate) fn negotiate(headers: &HeaderMap, q: Option<&str>) -> (Lang, bool) {
    let parse = |s: &str| match s {
        "en" => Some(Lang::En),
        "zh" => Some(Lang::Zh),
        _ => None,
    };
    if let Some(l) = q.and_then(parse) {
        return (l, true);
    }
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().strip_prefix("lang="))
        .find_map(parse);
    if let Some(l) = cookie {
        return (l, false);
    }
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let first = accept
        .split(',')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    (
        if first.starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        },
        false,
    )
}
