#!/usr/bin/env python3
"""Generates Corridor's shipped reference data under data/ (deterministic; no randomness).

The tables below hold the facts: member cities (GB/T 2260), authority kinds, windows and the
catalogue of matters (names confirmed in public lists plus the corridor's own cross-city
matters). The output files are what Corridor loads; operators edit those files (or feed new
ones to `corridor reference import`) without a rebuild. Re-run: python3 tools/gen_reference.py
(`--check`: say whether data/ is what the tables make, writing nothing). The matters' table is in
tools/reference_matters.py.
"""
import json, os, sys

OUT = os.path.join(os.path.dirname(__file__), "..", "data")

CITIES = [
    ("310117", "松江区", "Songjiang District", "310000", "上海市", "Shanghai"),
    ("330400", "嘉兴市", "Jiaxing", "330000", "浙江省", "Zhejiang"),
    ("330100", "杭州市", "Hangzhou", "330000", "浙江省", "Zhejiang"),
    ("330700", "金华市", "Jinhua", "330000", "浙江省", "Zhejiang"),
    ("330500", "湖州市", "Huzhou", "330000", "浙江省", "Zhejiang"),
    ("320500", "苏州市", "Suzhou", "320000", "江苏省", "Jiangsu"),
    ("341800", "宣城市", "Xuancheng", "340000", "安徽省", "Anhui"),
    ("340200", "芜湖市", "Wuhu", "340000", "安徽省", "Anhui"),
    ("340100", "合肥市", "Hefei", "340000", "安徽省", "Anhui"),
]

# code, zh suffix, en prefix
KINDS = [
    ("market", "市场监督管理局", "Administration for Market Regulation"),
    ("hrss", "人力资源和社会保障局", "Human Resources and Social Security Bureau"),
    ("hpf", "住房公积金管理中心", "Housing Provident Fund Management Centre"),
    ("police", "公安局", "Public Security Bureau"),
    ("eco", "生态环境局", "Ecology and Environment Bureau"),
    ("medical", "医疗保障局", "Healthcare Security Administration"),
    ("resources", "规划和自然资源局", "Planning and Natural Resources Bureau"),
    ("tax", "税务局", "Tax Bureau"),
    ("ip", "知识产权局", "Intellectual Property Office"),
    ("talent", "人才服务中心", "Talent Service Centre"),
    ("housing", "住房和城乡建设局", "Housing and Urban-Rural Development Bureau"),
    ("civil", "民政局", "Civil Affairs Bureau"),
    ("transport", "交通运输局", "Transport Bureau"),
    ("commerce", "商务局", "Commerce Bureau"),
    ("science", "科学技术局", "Science and Technology Bureau"),
    ("industry", "经济和信息化局", "Economy and Information Technology Bureau"),
    ("health", "卫生健康委员会", "Health Commission"),
    ("education", "教育局", "Education Bureau"),
    ("justice", "司法局", "Justice Bureau"),
    ("emergency", "应急管理局", "Emergency Management Bureau"),
    ("culture", "文化广电和旅游局", "Culture, Radio, TV and Tourism Bureau"),
    ("agri", "农业农村局", "Agriculture and Rural Affairs Bureau"),
]

# Windows per city: Songjiang hosts the corridor office, so it has more.
WINDOW_COUNT = {"310117": 14}

from reference_matters import CATEGORY, MATTERS  # noqa: E402  (the tables, apart)

def f(key, zh, en, ty, required=True, personal=False, **kw):
    d = {"key": key, "label_zh": zh, "label_en": en, "type": ty, "required": required, "personal": personal}
    d.update(kw)
    return d

CITY_OPTIONS = [{"value": c[0], "label_zh": c[1], "label_en": c[2]} for c in CITIES]

ENTERPRISE_FIELDS = [
    f("applicant_uscc", "统一社会信用代码", "Unified social credit code", "uscc"),
    f("enterprise_name", "企业名称", "Enterprise name", "text", max_len=100),
    f("contact_name", "经办人姓名", "Contact person", "text", personal=True, max_len=40),
    f("contact_id", "经办人身份证号码", "Contact person's ID number", "resident_id", personal=True),
    f("contact_phone", "经办人手机号码", "Contact mobile number", "phone", personal=True),
]
# A matter either an enterprise or a person may file: the natural person filing is named by
# their ID (the applicant, or the enterprise's agent); an enterprise adds its credit code.
EITHER_FIELDS = [
    f("applicant_name", "申请人名称(企业名称或个人姓名)", "Applicant (enterprise or person)", "text", personal=True, max_len=100),
    f("applicant_uscc", "统一社会信用代码(以企业名义申请时填写)", "Unified social credit code (when an enterprise applies)", "uscc", required=False),
    f("applicant_id", "申请人或经办人身份证号码", "ID number of the applicant or the enterprise's agent", "resident_id", personal=True),
    f("applicant_phone", "手机号码", "Mobile number", "phone", personal=True),
]
COUNTRY_OPTIONS = [{"value": v, "label_zh": zh, "label_en": en} for v, zh, en in [
    ("DEU", "德国", "Germany"), ("FRA", "法国", "France"), ("GBR", "英国", "United Kingdom"),
    ("USA", "美国", "United States"), ("JPN", "日本", "Japan"), ("KOR", "韩国", "Republic of Korea"),
    ("SGP", "新加坡", "Singapore"), ("ITA", "意大利", "Italy"), ("CAN", "加拿大", "Canada"),
    ("AUS", "澳大利亚", "Australia"), ("RUS", "俄罗斯", "Russia"), ("BRA", "巴西", "Brazil"),
    ("IND", "印度", "India"), ("OTH", "其他", "Other")]]
PERSON_FIELDS = [
    f("applicant_name", "申请人姓名", "Applicant's name", "text", personal=True, max_len=40),
    f("applicant_id", "申请人身份证号码", "Applicant's ID number", "resident_id", personal=True),
    f("applicant_phone", "手机号码", "Mobile number", "phone", personal=True),
]
NEWCO = [
    f("proposed_name", "拟设公司名称", "Proposed company name", "text", max_len=100),
    f("company_type", "公司类型", "Company type", "select", options=[
        {"value": "llc", "label_zh": "有限责任公司", "label_en": "Limited liability company"},
        {"value": "one_person_llc", "label_zh": "一人有限责任公司", "label_en": "One-person limited liability company"},
        {"value": "joint_stock", "label_zh": "股份有限公司", "label_en": "Joint-stock company"}]),
    f("domicile", "住所", "Domicile", "text", max_len=200),
    f("registered_capital_10k", "注册资本(万元)", "Registered capital (10k yuan)", "number", min=0.01, max=10000000),
    f("legal_rep_name", "法定代表人姓名", "Legal representative", "text", personal=True, max_len=40),
    f("legal_rep_id", "法定代表人身份证号码", "Legal representative's ID number", "resident_id", personal=True),
    f("business_scope", "经营范围", "Business scope", "text", max_len=2000),
]
EXTRA = {
  "newco": NEWCO,
  "newco_foreign": NEWCO + [
    f("investor_name", "外国投资者名称或姓名", "Foreign investor", "text", max_len=100, personal=True),
    f("investor_country", "投资者国别(地区)", "Investor's country or region", "select", options=COUNTRY_OPTIONS),
  ],
  "coop": [
    f("proposed_name", "拟设合作社名称", "Proposed co-operative name", "text", max_len=100),
    f("domicile", "住所", "Domicile", "text", max_len=200),
    f("members", "成员人数", "Number of members", "number", min=5, max=100000),
    f("business_scope", "业务范围", "Scope of business", "text", max_len=2000),
  ],
  "org_setup": [
    f("proposed_name", "拟设组织名称", "Proposed name of the organisation", "text", max_len=100),
    f("domicile", "住所", "Domicile", "text", max_len=200),
    f("founders", "发起人(举办者)人数", "Number of founders", "number", min=1, max=1000),
    f("purpose", "宗旨和业务范围", "Purpose and scope of activities", "text", max_len=2000),
  ],
  "foreigner": [
    f("foreigner_name", "外籍人员姓名(与护照一致)", "Foreign national's name (as in the passport)", "text", personal=True, max_len=80),
    f("nationality", "国籍", "Nationality", "select", options=COUNTRY_OPTIONS),
    f("passport_no", "护照号码", "Passport number", "passport", personal=True),
    f("position", "拟任职位", "Position", "text", max_len=100),
    f("contract_months", "聘用期限(月)", "Term of employment (months)", "number", min=1, max=120),
  ],
  "branch": [
    f("parent_uscc", "隶属企业统一社会信用代码", "Parent enterprise's credit code", "uscc"),
    f("branch_name", "分支机构名称", "Branch name", "text", max_len=100),
    f("branch_address", "经营场所", "Business premises", "text", max_len=200),
    f("business_scope", "经营范围", "Business scope", "text", max_len=2000),
    f("person_in_charge", "负责人姓名", "Person in charge", "text", personal=True, max_len=40),
    f("person_in_charge_id", "负责人身份证号码", "ID number of the person in charge", "resident_id", personal=True),
  ],
  "change": [
    f("change_items", "变更事项", "Items to change", "select", options=[
        {"value": "name", "label_zh": "名称", "label_en": "Name"},
        {"value": "domicile", "label_zh": "住所", "label_en": "Domicile"},
        {"value": "legal_rep", "label_zh": "法定代表人", "label_en": "Legal representative"},
        {"value": "capital", "label_zh": "注册资本", "label_en": "Registered capital"},
        {"value": "scope", "label_zh": "经营范围", "label_en": "Business scope"}]),
    f("change_detail", "变更内容", "Details of the change", "text", max_len=2000),
  ],
  "dereg": [
    f("dereg_reason", "注销原因", "Reason for deregistration", "select", options=[
        {"value": "dissolution", "label_zh": "决议解散", "label_en": "Dissolution by resolution"},
        {"value": "bankruptcy", "label_zh": "破产", "label_en": "Bankruptcy"},
        {"value": "merger", "label_zh": "合并分立", "label_en": "Merger or division"}]),
    f("liquidation_done", "已完成清算", "Liquidation completed", "boolean"),
  ],
  "product": [
    f("product_name", "产品名称", "Product name", "text", max_len=100),
    f("product_standard", "执行标准", "Applicable standard", "text", max_len=60),
    f("factory_address", "生产地址", "Production address", "text", max_len=200),
  ],
  "shop": [
    f("shop_name", "个体工商户名称", "Business name", "text", max_len=60),
    f("shop_address", "经营场所", "Premises", "text", max_len=200),
    f("capital_yuan", "资金数额(元)", "Capital (yuan)", "number", min=0, max=100000000),
  ],
  "food": [
    f("premises", "经营场所", "Premises", "text", max_len=200),
    f("food_categories", "经营项目", "Food categories", "text", max_len=500),
    f("area_m2", "经营面积(平方米)", "Floor area (m²)", "number", min=1, max=1000000),
  ],
  "equipment": [
    f("equipment_code", "设备代码", "Equipment code", "text", max_len=40),
    f("equipment_kind", "设备类别", "Equipment kind", "select", options=[
        {"value": "boiler", "label_zh": "锅炉", "label_en": "Boiler"},
        {"value": "pressure_vessel", "label_zh": "压力容器", "label_en": "Pressure vessel"},
        {"value": "elevator", "label_zh": "电梯", "label_en": "Elevator"},
        {"value": "crane", "label_zh": "起重机械", "label_en": "Crane"}]),
  ],
  "unemp": [
    f("last_employer", "原工作单位", "Last employer", "text", required=False, max_len=100, personal=True),
    f("separation_date", "解除劳动关系日期", "Date employment ended", "date"),
  ],
  "transfer": [
    f("from_city", "转出地", "Transfer from", "select", options=CITY_OPTIONS),
    f("to_city", "转入地", "Transfer to", "select", options=CITY_OPTIONS),
    f("insured_months", "缴费月数", "Months contributed", "number", min=0, max=720),
  ],
  "hpf": [
    f("hpf_account", "公积金个人账号", "Provident fund account number", "text", max_len=30, personal=True),
    f("amount_yuan", "提取金额(元)", "Amount (yuan)", "number", min=1, max=10000000),
    f("bank_account", "收款银行账号", "Bank account for payment", "text", personal=True, max_len=30),
  ],
  "hukou": [
    f("from_address", "迁出地址", "Moving from", "text", max_len=200, personal=True),
    f("to_address", "迁入地址", "Moving to", "text", max_len=200, personal=True),
    f("members", "随迁人数", "Family members moving", "number", min=0, max=10),
  ],
  "eco": [
    f("project_name", "项目名称", "Project name", "text", max_len=100),
    f("site", "建设地点", "Site", "text", max_len=200),
    f("investment_10k", "总投资(万元)", "Total investment (10k yuan)", "number", min=0, max=100000000),
  ],
  "medical": [
    f("insured_city", "参保地", "Insured in", "select", options=CITY_OPTIONS),
    f("treatment_city", "就医地", "Treatment in", "select", options=CITY_OPTIONS),
    f("reason", "备案原因", "Reason", "select", options=[
        {"value": "relocated", "label_zh": "异地长期居住", "label_en": "Long-term residence elsewhere"},
        {"value": "referral", "label_zh": "转诊转院", "label_en": "Referral"},
        {"value": "posted", "label_zh": "异地工作", "label_en": "Working elsewhere"},
        {"value": "temporary", "label_zh": "临时外出就医", "label_en": "Temporary treatment"}]),
  ],
  "estate": [
    f("property_address", "不动产坐落", "Property address", "text", max_len=200, personal=True),
    f("certificate_no", "不动产权证号", "Title certificate number", "text", required=False, max_len=60),
    f("area_m2", "面积(平方米)", "Area (m²)", "number", min=1, max=1000000),
  ],
  "tax": [
    f("project_name", "跨区域经营项目", "Cross-region business", "text", max_len=100),
    f("target_city", "经营地", "Place of business", "select", options=CITY_OPTIONS),
    f("contract_amount", "合同金额(元)", "Contract amount (yuan)", "number", min=0, max=1e11),
  ],
  "ipcomplaint": [
    f("right_type", "权利类型", "Type of right", "select", options=[
        {"value": "patent", "label_zh": "专利", "label_en": "Patent"},
        {"value": "trademark", "label_zh": "商标", "label_en": "Trademark"},
        {"value": "copyright", "label_zh": "著作权", "label_en": "Copyright"},
        {"value": "gi", "label_zh": "地理标志", "label_en": "Geographical indication"}]),
    f("right_number", "权利证书号", "Registration number of the right", "text", max_len=40),
    f("infringer_name", "被投诉方名称", "Party complained about", "text", max_len=100, personal=True),
    f("infringer_city", "侵权行为发生地", "Where the infringement happens", "select", options=CITY_OPTIONS),
    f("description", "侵权情况说明", "Description of the infringement", "text", max_len=4000),
  ],
  "patent": [
    f("patent_number", "专利号", "Patent number", "text", max_len=20),
    f("patent_title", "专利名称", "Patent title", "text", max_len=200),
  ],
  "talent": [
    f("recognised_in", "已认定城市", "Recognised in", "select", options=CITY_OPTIONS, required=False),
    f("talent_category", "人才类别", "Talent category", "select", options=[
        {"value": "A", "label_zh": "A类(顶尖人才)", "label_en": "A (top talent)"},
        {"value": "B", "label_zh": "B类(领军人才)", "label_en": "B (leading talent)"},
        {"value": "C", "label_zh": "C类(拔尖人才)", "label_en": "C (outstanding talent)"},
        {"value": "D", "label_zh": "D类(骨干人才)", "label_en": "D (key talent)"}]),
    f("employer_uscc", "工作单位统一社会信用代码", "Employer's credit code", "uscc"),
    f("highest_degree", "最高学历", "Highest degree", "select", options=[
        {"value": "bachelor", "label_zh": "本科", "label_en": "Bachelor"},
        {"value": "master", "label_zh": "硕士", "label_en": "Master"},
        {"value": "doctor", "label_zh": "博士", "label_en": "Doctorate"}]),
  ],
  "rent": [
    f("employer_uscc", "工作单位统一社会信用代码", "Employer's credit code", "uscc"),
    f("monthly_rent", "月租金(元)", "Monthly rent (yuan)", "number", min=0, max=100000),
    f("monthly_salary", "月工资(元)", "Monthly salary (yuan)", "number", min=0, max=10000000, personal=True),
    f("lease_start", "租赁起始日期", "Lease start date", "date"),
  ],
  # The talent apartment rent subsidy is capped by the talent level (see AMOUNT_RULES).
  "talent_rent": None,
  # Registration fees depend on the property's use; small and micro enterprises are exempt.
  "estate_fee": None,
  "tech": [
    f("project_title", "项目(成果)名称", "Project or achievement title", "text", max_len=200),
    f("cluster", "所属产业", "Industry cluster", "select", options=[
        {"value": "ic", "label_zh": "集成电路", "label_en": "Integrated circuits"},
        {"value": "bio", "label_zh": "生物医药", "label_en": "Biomedicine"},
        {"value": "ai", "label_zh": "人工智能", "label_en": "Artificial intelligence"},
        {"value": "energy", "label_zh": "新能源", "label_en": "New energy"},
        {"value": "aviation", "label_zh": "航空航天", "label_en": "Aviation"},
        {"value": "satellite", "label_zh": "卫星互联网", "label_en": "Satellite internet"},
        {"value": "equipment", "label_zh": "高端装备", "label_en": "High-end equipment"},
        {"value": "materials", "label_zh": "新材料", "label_en": "New materials"}]),
    f("rd_spend_10k", "研发投入(万元)", "R&D spending (10k yuan)", "number", min=0, max=1e9),
  ],
  "notary": [
    f("use_country", "使用国家或地区", "Country or region of use", "text", max_len=60),
    f("translation", "译文语种", "Translation language", "select", required=False, options=[
        {"value": "en", "label_zh": "英文", "label_en": "English"},
        {"value": "ja", "label_zh": "日文", "label_en": "Japanese"},
        {"value": "de", "label_zh": "德文", "label_en": "German"}]),
  ],
}

# (zh, en, copies[, licence type]): no copy to hand in means the window sees the original;
# a licence type means a Corridor e-licence of that type may be given instead of a file.
MAT_E = [("申请书", "Application form", 1), ("营业执照副本", "Copy of the business licence", 1, "business-licence"), ("经办人身份证件", "Contact person's identity document", 0), ("授权委托书", "Power of attorney", 1)]
MAT_X = [("申请书", "Application form", 1), ("申请人或经办人身份证件", "Identity document of the applicant or agent", 0), ("授权委托书", "Power of attorney", 1)]
MAT_P = [("申请表", "Application form", 1), ("居民身份证", "Resident identity card", 0)]
MAT_EXTRA = {
  "newco": [("公司章程", "Articles of association", 1), ("股东主体资格证明", "Proof of the shareholders' identity", 1), ("法定代表人任职文件", "Appointment of the legal representative", 1), ("住所使用证明", "Proof of the right to use the domicile", 1), ("法定代表人身份证件", "Legal representative's identity document", 0)],
  "newco_foreign": [("公司章程", "Articles of association", 1), ("外国投资者主体资格证明(经公证认证)", "Foreign investor's certificate of identity (notarised and legalised)", 1), ("法定代表人任职文件", "Appointment of the legal representative", 1), ("住所使用证明", "Proof of the right to use the domicile", 1)],
  "coop": [("合作社章程", "Articles of the co-operative", 1), ("成员名册及出资清单", "Register of members and contributions", 1), ("住所使用证明", "Proof of the right to use the domicile", 1)],
  "org_setup": [("组织章程草案", "Draft articles", 1), ("业务主管单位批准文件", "Approval of the supervising authority", 1), ("验资报告", "Capital verification report", 1), ("住所使用证明", "Proof of the right to use the premises", 1)],
  "foreigner": [("外籍人员护照", "Foreign national's passport", 1), ("劳动合同或聘用意向书", "Employment contract or letter of intent", 1), ("最高学位(学历)证书", "Highest degree certificate", 1), ("无犯罪记录证明", "Certificate of no criminal record", 1), ("体检证明", "Health certificate", 1)],
  "product": [("产品检验报告", "Product test report", 1), ("生产场所使用证明", "Proof of the right to use the production site", 1)],
  "food": [("经营场所平面图", "Floor plan of the premises", 1), ("食品安全管理制度", "Food safety management rules", 1)],
  "equipment": [("特种设备产品合格证", "Product certificate of the equipment", 1), ("监督检验证明", "Supervisory inspection certificate", 1)],
  "shop": [("经营场所使用证明", "Proof of the right to use the premises", 1)],
  "unemp": [("解除或终止劳动关系证明", "Proof that the employment ended", 1)],
  "patent": [("专利证书", "Patent certificate", 1), ("相关合同", "The contract concerned", 1)],
  "tax": [("跨区域经营合同", "Contract for the cross-region business", 1)],
  "branch": [("隶属企业营业执照复印件", "Copy of the parent's business licence", 1, "business-licence"), ("分支机构负责人任职文件", "Appointment of the person in charge", 1), ("经营场所使用证明", "Proof of the right to use the premises", 1)],
  "change": [("变更决议或决定", "Resolution on the change", 1), ("修改后的章程", "Amended articles of association", 1)],
  "dereg": [("清算报告", "Liquidation report", 1), ("清税证明", "Tax clearance certificate", 1)],
  "hpf": [("银行卡", "Bank card", 0), ("提取原因证明材料", "Proof of the reason for withdrawal", 1)],
  "hukou": [("户口簿", "Household register", 0), ("准予迁入证明", "Permit to move in", 1)],
  "transfer": [("参保缴费凭证", "Proof of contributions", 1)],
  "estate": [("不动产权属证书", "Title certificate", 0), ("登记申请书", "Registration application", 1), ("主债权合同及抵押合同", "Loan and mortgage contracts", 1)],
  "ipcomplaint": [("权利证明", "Proof of the right", 1), ("侵权证据材料", "Evidence of infringement", 1)],
  "talent": [("学历学位证书", "Degree certificates", 1), ("劳动合同", "Employment contract", 1), ("原认定城市人才证明", "Talent certificate from the recognising city", 1, "talent-recognition")],
  "rent": [("租赁合同", "Lease contract", 1), ("劳动合同", "Employment contract", 1), ("个人所得税纳税记录", "Individual income tax records", 1), ("人才认定证明", "Talent recognition", 1, "talent-recognition")],
  "eco": [("环境影响评价文件", "Environmental impact documents", 1)],
  "tech": [("项目申报书", "Project application", 1), ("知识产权证明", "Proof of intellectual property", 1)],
  "notary": [("需公证的证件原件", "Original of the document to be notarised", 0)],
  "medical": [("医保电子凭证或社会保障卡", "Medical insurance e-voucher or social security card", 0)],
}

TALENT_LEVEL = f("talent_level", "人才层次", "Talent level", "select", options=[
    {"value": "A", "label_zh": "A类(顶尖人才)", "label_en": "A (top talent)"},
    {"value": "B", "label_zh": "B类(领军人才)", "label_en": "B (leading talent)"},
    {"value": "C", "label_zh": "C类(拔尖人才)", "label_en": "C (outstanding talent)"},
    {"value": "D", "label_zh": "D类(骨干人才)", "label_en": "D (key talent)"}])
EXTRA["talent_rent"] = EXTRA["rent"] + [TALENT_LEVEL]
EXTRA["estate_fee"] = EXTRA["estate"] + [
    f("property_use", "房屋用途", "Use of the property", "select", options=[
        {"value": "residential", "label_zh": "住宅", "label_en": "Residential"},
        {"value": "non_residential", "label_zh": "非住宅", "label_en": "Non-residential"}]),
    f("small_micro", "是否小微企业", "A small or micro enterprise", "select", required=False, options=[
        {"value": "yes", "label_zh": "是", "label_en": "Yes"},
        {"value": "no", "label_zh": "否", "label_en": "No"}]),
]
MAT_EXTRA["talent_rent"] = MAT_EXTRA["rent"]
MAT_EXTRA["estate_fee"] = MAT_EXTRA["estate"]

PREFIX = {k: k.upper()[:3] for k, _, _ in KINDS}

# The form field whose city decides, where it is not the applicant's home city: an IP complaint
# goes to the city where the infringement happens; a transfer of pension, provident fund or
# medical insurance to the city it moves to (which takes the application); medical claims and
# registrations to the city where one is insured; the inspection of cross-region tax matters
# to the place of business.
COMPETENT_FIELD = {
    "G60-IP-001": "infringer_city", "G60-IP-002": "infringer_city", "G60-IP-006": "infringer_city",
    "G60-HRS-002": "to_city", "G60-HRS-003": "to_city", "G60-HRS-007": "to_city",
    "G60-HPF-003": "to_city", "G60-MED-002": "to_city",
    "G60-MED-001": "insured_city", "G60-MED-004": "insured_city", "G60-MED-005": "insured_city",
    "G60-MED-006": "insured_city", "G60-MED-009": "insured_city",
    "G60-TAX-003": "target_city",
}

# Matters decided in two cities, a part in each (issue #27): the part's key and names, and the
# select field whose answer is its deciding city. Filed once as a joint filing.
TRANSFER_PARTS = [
    {"key": "out", "name_zh": "转出", "name_en": "Transfer out", "city_field": "from_city"},
    {"key": "in", "name_zh": "转入", "name_en": "Transfer in", "city_field": "to_city"},
]
PARTS = {"G60-HRS-002": TRANSFER_PARTS, "G60-HPF-003": TRANSFER_PARTS}

# Matters whose amount each city's rule computes at the decision (data/amount_rules.json).
AMOUNT_KIND = {"G60-TAL-002": "subsidy", "G60-HPF-004": "withdrawal",
               "G60-RES-001": "fee", "G60-RES-002": "fee", "G60-RES-003": "fee", "G60-RES-007": "fee"}

def build_matters():
    out = []
    for kind, rows in MATTERS.items():
        for i, (zh, en, ak, output, stat, prom, modes, fee, extra) in enumerate(rows, 1):
            code = f"G60-{PREFIX[kind]}-{i:03d}"
            applicant_kind = {"E": "enterprise", "P": "person", "X": "either"}[ak]
            base_fields = {"E": ENTERPRISE_FIELDS, "P": PERSON_FIELDS, "X": EITHER_FIELDS}[ak]
            fields = [dict(x) for x in base_fields] + [dict(x) for x in EXTRA.get(extra, [])]
            mats = {"E": MAT_E, "P": MAT_P, "X": MAT_X}[ak] + MAT_EXTRA.get(extra, [])
            if output and not MAT_EXTRA.get(extra):
                # A licence is issued on conditions: the applicant shows it meets them.
                mats = mats + [("符合许可条件的证明材料", "Proof of meeting the licence's conditions", 1)]
            materials = []
            for a, b, c, *lt in mats:
                m = {"name_zh": a, "name_en": b, "required": not b.startswith("Power"), "copies": c,
                     "original": c == 0}
                if lt:
                    m["licence_type"] = lt[0]
                materials.append(m)
            if output:
                lt, ozh, oen, years = output
                out_obj = {"licence_type": lt, "name_zh": ozh, "name_en": oen, "validity_years": years}
            else:
                out_obj = {"licence_type": None, "name_zh": "办理结果通知书", "name_en": "Notice of the result", "validity_years": None}
            out.append({
                "code": code, "name_zh": zh, "name_en": en, "category": CATEGORY[kind],
                "authority_kind": kind,
                "modes": [{"O": "fully_online", "R": "remote_receipt", "M": "multi_site"}[m] for m in modes],
                "statutory_days": stat, "promised_days": prom, "fee_yuan": fee,
                "applicant_kind": applicant_kind, "materials": materials, "fields": fields, "output": out_obj,
            })
            if code in AMOUNT_KIND:
                out[-1]["amount"] = AMOUNT_KIND[code]
            if code in COMPETENT_FIELD:
                assert any(f["key"] == COMPETENT_FIELD[code] for f in fields), code
                out[-1]["competent_city_field"] = COMPETENT_FIELD[code]
            if code in PARTS:
                assert "M" in modes, code
                for part in PARTS[code]:
                    assert any(f["key"] == part["city_field"] for f in fields), code
                out[-1]["parts"] = [dict(x) for x in PARTS[code]]
    assert all(any(m["code"] == c for m in out) for c in list(COMPETENT_FIELD) + list(PARTS))
    return out

# Amounts by rule (issue #27): each city's rule for the matters whose amount is computed. The
# figures are illustrative, for the demo and the tests; a city's operator publishes its own
# (PUT /api/v1/amount-rules/{city}/{matter}), and a shipped rule never replaces one published.
# Talent apartment rent subsidy: rent less a tenth of the monthly salary, capped by the talent
# level (Songjiang's published range is about 670-4,500 yuan a month).
RENT_CAPS = {  # city: (A, B, C, D caps in yuan a month, months granted)
    "310117": (4500, 3000, 1500, 670, 12), "330400": (3500, 2500, 1200, 600, 12),
    "330100": (4000, 2800, 1500, 800, 24), "330700": (3000, 2000, 1000, 500, 12),
    "330500": (3000, 2000, 1000, 500, 12), "320500": (4000, 2800, 1400, 700, 24),
    "341800": (2500, 1600, 800, 400, 12), "340200": (2800, 1800, 900, 450, 12),
    "340100": (3500, 2400, 1200, 600, 36),
}
# Provident fund withdrawal for renting: what is asked, up to a limit per withdrawal (yuan).
HPF_RENT_LIMIT = {
    "310117": 4500, "330400": 3000, "330100": 4000, "330700": 2500, "330500": 2500,
    "320500": 3600, "341800": 2000, "340200": 2200, "340100": 3000,
}
ESTATE_FEE_MATTERS = ["G60-RES-001", "G60-RES-002", "G60-RES-003", "G60-RES-007"]

def build_amount_rules():
    out = []
    names = {c: (zh, en) for c, zh, en, *_ in CITIES}
    for city, (a, b, c, d, months) in RENT_CAPS.items():
        zh, en = names[city]
        out.append({"city": city, "matter": "G60-TAL-002", "rule": {
            "kind": "subsidy", "unit": "per_month",
            "terms": [{"field": "monthly_rent", "factor": 1}, {"field": "monthly_salary", "factor": -0.1}],
            "floor": 0,
            "cap": {"field": "talent_level", "values": {"A": a, "B": b, "C": c, "D": d}},
            "months": months,
            "basis_zh": f"{zh}人才公寓租金补贴（示例规则）：补贴后租金约为月工资的十分之一，按人才层次封顶，补贴 {months} 个月",
            "basis_en": f"{en} talent apartment rent subsidy (illustrative rule): rent brought to about a tenth of the monthly salary, capped by talent level, for {months} months",
        }})
    for city, limit in HPF_RENT_LIMIT.items():
        zh, en = names[city]
        out.append({"city": city, "matter": "G60-HPF-004", "rule": {
            "kind": "withdrawal",
            "terms": [{"field": "amount_yuan", "factor": 1}],
            "cap": limit,
            "basis_zh": f"{zh}租房提取住房公积金（示例规则）：按申请额提取，每次不超过 {limit} 元",
            "basis_en": f"{en} provident fund withdrawal for renting (illustrative rule): as asked, at most {limit} yuan a withdrawal",
        }})
    for matter in ESTATE_FEE_MATTERS:
        for city, *_ in CITIES:
            zh, en = names[city]
            out.append({"city": city, "matter": matter, "rule": {
                "kind": "fee",
                "base": {"field": "property_use", "values": {"residential": 80, "non_residential": 550}},
                "exemptions": [{"field": "small_micro", "answers": ["yes"]}],
                "basis_zh": f"{zh}不动产登记费：住宅每件 80 元，非住宅每件 550 元，小微企业免收",
                "basis_en": f"{en} real estate registration fee: 80 yuan a case for a residence, 550 for other property; small and micro enterprises exempt",
            }})
    return out

def build_windows():
    out = []
    for code, zh, en, *_ in CITIES:
        n = WINDOW_COUNT.get(code, 10)
        for i in range(1, n + 1):
            if i <= 6:
                hall_zh, hall_en = f"{zh}政务服务中心", f"{en} Government Service Centre"
            else:
                hall_zh, hall_en = f"{zh}企业服务中心", f"{en} Enterprise Service Centre"
            out.append({
                "id": f"{code}-W{i:02d}", "city": code,
                "name_zh": f"{hall_zh} G60科创走廊通办窗口{i}号",
                "name_en": f"{hall_en}, G60 any-window counter {i}",
                "address_zh": f"{hall_zh}一楼 G60专区 {i}号窗口",
                "address_en": f"{hall_en}, ground floor, G60 area, counter {i}",
            })
    return out

def holiday(zh, en, a, b):
    return {"name_zh": zh, "name_en": en, "from": a, "to": b}

CALENDAR = [
  {"year": 2024, "source": "国务院办公厅关于2024年部分节假日安排的通知 (国办发明电〔2023〕7号)",
   "holidays": [holiday("元旦", "New Year's Day", "2024-01-01", "2024-01-01"),
                holiday("春节", "Spring Festival", "2024-02-10", "2024-02-17"),
                holiday("清明节", "Qingming Festival", "2024-04-04", "2024-04-06"),
                holiday("劳动节", "Labour Day", "2024-05-01", "2024-05-05"),
                holiday("端午节", "Dragon Boat Festival", "2024-06-10", "2024-06-10"),
                holiday("中秋节", "Mid-Autumn Festival", "2024-09-15", "2024-09-17"),
                holiday("国庆节", "National Day", "2024-10-01", "2024-10-07")],
   "working_weekends": ["2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14", "2024-09-29", "2024-10-12"]},
  {"year": 2025, "source": "国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号)",
   "holidays": [holiday("元旦", "New Year's Day", "2025-01-01", "2025-01-01"),
                holiday("春节", "Spring Festival", "2025-01-28", "2025-02-04"),
                holiday("清明节", "Qingming Festival", "2025-04-04", "2025-04-06"),
                holiday("劳动节", "Labour Day", "2025-05-01", "2025-05-05"),
                holiday("端午节", "Dragon Boat Festival", "2025-05-31", "2025-06-02"),
                holiday("国庆节、中秋节", "National Day and Mid-Autumn Festival", "2025-10-01", "2025-10-08")],
   "working_weekends": ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"]},
  {"year": 2026, "source": "国务院办公厅关于2026年部分节假日安排的通知",
   "holidays": [holiday("元旦", "New Year's Day", "2026-01-01", "2026-01-03"),
                holiday("春节", "Spring Festival", "2026-02-15", "2026-02-23"),
                holiday("清明节", "Qingming Festival", "2026-04-04", "2026-04-06"),
                holiday("劳动节", "Labour Day", "2026-05-01", "2026-05-05"),
                holiday("端午节", "Dragon Boat Festival", "2026-06-19", "2026-06-21"),
                holiday("中秋节", "Mid-Autumn Festival", "2026-09-25", "2026-09-27"),
                holiday("国庆节", "National Day", "2026-10-01", "2026-10-07")],
   "working_weekends": ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]},
]

def main():
    check = "--check" in sys.argv[1:]
    os.makedirs(OUT, exist_ok=True)
    jur = [{"code": c, "name_zh": zh, "name_en": en, "province_code": pc, "province_zh": pzh,
            "province_en": pen, "member": True, "valid_from": "2018-06-01", "valid_to": None}
           for c, zh, en, pc, pzh, pen in CITIES]
    kinds = [{"code": k, "name_zh": zh, "name_en": en} for k, zh, en in KINDS]
    auths = [{"id": f"{c}-{k}", "city": c, "kind": k, "name_zh": f"{czh}{kzh}", "name_en": f"{cen} {ken}"}
             for c, czh, cen, *_ in CITIES for k, kzh, ken in KINDS]
    files = {
        "jurisdictions.json": jur, "authority_kinds.json": kinds, "authorities.json": auths,
        "windows.json": build_windows(), "matters.json": build_matters(), "calendar.json": CALENDAR,
        "amount_rules.json": build_amount_rules(),
    }
    stale = []
    for name, data in files.items():
        text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
        path = os.path.join(OUT, name)
        if check:
            with open(path, encoding="utf-8") as fh:
                if fh.read() != text:
                    stale.append(name)
            continue
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        print(f"{name}: {len(data)} records")
    if stale:
        sys.exit(f"data/ differs from these tables: {', '.join(stale)} (edit the tables, then run "
                 "python3 tools/gen_reference.py)")

if __name__ == "__main__":
    main()
