#!/usr/bin/env python3
"""Generates Corridor's shipped reference data under data/ (deterministic; no randomness).

The tables below hold the facts: member cities (GB/T 2260), authority kinds, windows and the
catalogue of matters (names confirmed in public lists plus the corridor's own cross-city
matters). The output files are what Corridor loads; operators edit those files (or feed new
ones to `corridor reference import`) without a rebuild. Re-run: python3 tools/gen_reference.py
"""
import json, os

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

# Matters: (zh, en, applicant E/P/X, output or None, statutory, promised, modes, fee, extra fields)
# output: (licence_type, zh, en, validity_years or None)
# modes: O fully online, R remote receipt, M multi-site
BL = ("business-licence", "营业执照", "Business licence", 20)  # operating period (营业期限)
def L(code, zh, en, years=None):
    return (code, zh, en, years)

MATTERS = {
 "market": [
  ("分支机构设立登记", "Establishment registration of a branch", "E", BL, 15, 3, "OR", 0, "branch"),
  ("市场主体变更登记", "Change registration of market entities", "E", BL, 15, 3, "OR", 0, "change"),
  ("市场主体注销登记", "Deregistration of market entities", "E", None, 15, 3, "OR", 0, "dereg"),
  ("工业产品生产许可证", "Industrial product production licence", "E", L("production-licence", "工业产品生产许可证", "Industrial product production licence", 5), 60, 20, "R", 0, "product"),
  ("个体工商户设立登记", "Registration of individual businesses", "P", BL, 15, 2, "OR", 0, "shop"),
  ("农民专业合作社设立登记", "Establishment registration of farmers' co-operatives", "P", BL, 15, 3, "R", 0, "coop"),
  ("外商投资企业设立登记", "Establishment registration of foreign-invested enterprises", "P", BL, 15, 5, "R", 0, "newco_foreign"),
  ("食品经营许可", "Food business licence", "E", L("food-business-licence", "食品经营许可证", "Food business licence", 5), 20, 10, "OR", 0, "food"),
  ("食品生产许可", "Food production licence", "E", L("food-production-licence", "食品生产许可证", "Food production licence", 5), 20, 10, "R", 0, "food"),
  ("药品零售企业许可", "Pharmaceutical retail licence", "E", L("drug-retail-licence", "药品经营许可证", "Pharmaceutical trading licence", 5), 30, 15, "R", 0, None),
  ("第二类医疗器械经营备案", "Filing for trading class II medical devices", "E", None, 5, 1, "OR", 0, None),
  ("特种设备使用登记", "Registration of special equipment use", "E", L("equipment-use-certificate", "特种设备使用登记证", "Special equipment use certificate", None), 15, 5, "OR", 0, "equipment"),
  ("营业执照遗失补领", "Replacement of a lost business licence", "E", BL, 5, 1, "OR", 0, None),
  ("企业名称自主申报", "Self-declaration of an enterprise name", "E", None, 5, 1, "O", 0, None),
  ("股权出质设立登记", "Registration of an equity pledge", "E", None, 10, 3, "OR", 0, None),
  ("动产抵押登记", "Registration of a chattel mortgage", "E", None, 10, 1, "O", 0, None),
  ("计量器具型式批准", "Pattern approval of measuring instruments", "E", L("pattern-approval", "计量器具型式批准证书", "Pattern approval certificate", None), 20, 15, "R", 0, "product"),
  ("检验检测机构资质认定", "Accreditation of inspection and testing bodies", "E", L("cma-certificate", "检验检测机构资质认定证书", "Inspection body accreditation certificate", 6), 20, 10, "R", 0, None),
  ("经营异常名录移出", "Removal from the list of abnormal operations", "E", None, 10, 3, "OR", 0, None),
  ("营业执照跨区域迁移登记", "Cross-region relocation of registered domicile", "E", BL, 15, 5, "RM", 0, "change"),
  ("分支机构注销登记", "Deregistration of a branch", "E", None, 15, 3, "OR", 0, "dereg"),
  ("企业章程及董事监事备案", "Filing of articles of association, directors and supervisors", "E", None, 10, 3, "O", 0, None),
  ("小餐饮经营登记", "Registration of small catering businesses", "P", L("catering-registration", "小餐饮登记证", "Small catering registration certificate", 3), 10, 5, "R", 0, "food"),
  ("广告发布登记", "Advertising publication registration", "E", L("advertising-registration", "广告发布登记证", "Advertising publication registration", None), 10, 5, "OR", 0, None),
  # A company that does not exist yet has no credit code: its founder (or their agent) files.
  ("内资公司设立登记", "Establishment registration of a new domestic company", "P", BL, 15, 3, "OR", 0, "newco"),
 ],
 "hrss": [
  ("失业登记", "Unemployment registration", "P", None, 5, 1, "OR", 0, "unemp"),
  ("企业职工基本养老保险关系转移接续", "Transfer of employees' basic pension insurance", "P", None, 45, 15, "ORM", 0, "transfer"),
  ("城乡居民基本养老保险关系转移接续", "Transfer of urban and rural residents' basic pension insurance", "P", None, 45, 15, "ORM", 0, "transfer"),
  ("社会保障卡申领", "Application for a social security card", "P", L("social-security-card", "社会保障卡", "Social security card", 10), 20, 5, "OR", 0, None),
  ("社会保障卡挂失与补换", "Loss report and replacement of a social security card", "P", L("social-security-card", "社会保障卡", "Social security card", 10), 15, 3, "OR", 0, None),
  ("失业保险金申领", "Claim for unemployment insurance benefit", "P", None, 10, 5, "OR", 0, "unemp"),
  ("失业保险关系转移接续", "Transfer of unemployment insurance", "P", None, 15, 10, "ORM", 0, "transfer"),
  ("工伤认定申请", "Application for work injury determination", "X", None, 60, 30, "R", 0, None),
  ("劳动能力鉴定申请", "Application for work capacity appraisal", "P", None, 60, 40, "R", 0, None),
  ("职业技能等级证书核验", "Verification of vocational skill level certificates", "P", None, 5, 1, "O", 0, None),
  ("就业创业证申领", "Application for an employment and entrepreneurship certificate", "P", L("employment-certificate", "就业创业证", "Employment and entrepreneurship certificate", None), 5, 1, "OR", 0, None),
  ("个人社保权益记录查询打印", "Printout of personal social insurance records", "P", None, 1, 1, "OR", 0, None),
  ("养老保险待遇领取资格认证", "Verification of pension entitlement", "P", None, 5, 1, "OR", 0, None),
  ("灵活就业人员参保登记", "Insurance registration of flexible workers", "P", None, 5, 1, "OR", 0, None),
  ("单位参保登记", "Social insurance registration of employers", "E", None, 5, 1, "OR", 0, None),
  ("人力资源服务许可", "Human resources service licence", "E", L("hr-service-licence", "人力资源服务许可证", "Human resources service licence", 5), 20, 10, "R", 0, None),
  ("劳务派遣经营许可", "Labour dispatch business licence", "E", L("labour-dispatch-licence", "劳务派遣经营许可证", "Labour dispatch licence", 3), 20, 10, "R", 0, None),
  ("一次性创业补贴申领", "Claim for a one-off start-up subsidy", "X", None, 20, 10, "OR", 0, None),
  ("高校毕业生就业见习补贴申领", "Claim for a graduate internship subsidy", "E", None, 20, 10, "OR", 0, None),
  ("退休人员基本养老金申领", "Application for a basic retirement pension", "P", None, 20, 10, "OR", 0, None),
  ("专业技术人员职称评审申报", "Application for professional title evaluation", "P", L("professional-title", "专业技术职务任职资格证书", "Professional title certificate", None), 60, 45, "R", 0, None),
 ],
 "hpf": [
  ("正常退休提取住房公积金", "Provident fund withdrawal on retirement", "P", None, 5, 1, "OR", 0, "hpf"),
  ("购房提取住房公积金", "Provident fund withdrawal for a home purchase", "P", None, 5, 2, "OR", 0, "hpf"),
  ("住房公积金转移接续", "Transfer of housing provident fund", "P", None, 10, 3, "ORM", 0, "transfer"),
  ("租房提取住房公积金", "Provident fund withdrawal for renting", "P", None, 5, 1, "OR", 0, "hpf"),
  ("偿还住房贷款提取住房公积金", "Provident fund withdrawal to repay a housing loan", "P", None, 5, 2, "OR", 0, "hpf"),
  ("住房公积金个人账户设立", "Opening a personal provident fund account", "P", None, 5, 1, "OR", 0, None),
  ("住房公积金单位缴存登记", "Employer registration for provident fund contributions", "E", None, 5, 1, "OR", 0, None),
  ("住房公积金缴存基数调整", "Adjustment of the provident fund contribution base", "E", None, 5, 1, "O", 0, None),
  ("住房公积金贷款申请", "Application for a provident fund loan", "P", None, 20, 10, "R", 0, "hpf"),
  ("异地贷款缴存使用证明开具", "Certificate of contributions for an out-of-town loan", "P", None, 5, 1, "OR", 0, None),
  ("住房公积金贷款提前还款", "Early repayment of a provident fund loan", "P", None, 5, 1, "OR", 0, None),
  ("离职提取住房公积金", "Provident fund withdrawal on leaving employment", "P", None, 5, 2, "OR", 0, "hpf"),
  ("住房公积金个人缴存证明开具", "Certificate of personal provident fund contributions", "P", None, 1, 1, "OR", 0, None),
  ("重大疾病医疗提取住房公积金", "Provident fund withdrawal for serious illness", "P", None, 10, 3, "R", 0, "hpf"),
 ],
 "police": [
  ("开具户籍类证明", "Issuing household registration certificates", "P", None, 5, 1, "OR", 0, None),
  ("户口迁移(工作调动)", "Household registration transfer for a job transfer", "P", L("migration-certificate", "户口迁移证", "Household migration certificate", None), 20, 10, "RM", 0, "hukou"),
  ("户口迁移(大中专院校录取)", "Household registration transfer on university admission", "P", L("migration-certificate", "户口迁移证", "Household migration certificate", None), 20, 5, "RM", 0, "hukou"),
  ("户口迁移(大中专院校毕业生)", "Household registration transfer for university graduates", "P", L("migration-certificate", "户口迁移证", "Household migration certificate", None), 20, 10, "RM", 0, "hukou"),
  ("户口迁移(夫妻投靠)", "Household registration transfer to join a spouse", "P", L("migration-certificate", "户口迁移证", "Household migration certificate", None), 20, 10, "RM", 0, "hukou"),
  ("户口迁移(父母子女投靠)", "Household registration transfer to join parents or children", "P", L("migration-certificate", "户口迁移证", "Household migration certificate", None), 20, 10, "RM", 0, "hukou"),
  ("居民身份证首次申领", "First application for a resident identity card", "P", L("resident-id-card", "居民身份证", "Resident identity card", 10), 60, 20, "R", 20, None),
  ("居民身份证换领", "Renewal of a resident identity card", "P", L("resident-id-card", "居民身份证", "Resident identity card", 10), 60, 15, "R", 20, None),
  ("居民身份证挂失补领", "Replacement of a lost resident identity card", "P", L("resident-id-card", "居民身份证", "Resident identity card", 10), 60, 15, "R", 40, None),
  ("临时居民身份证申领", "Application for a temporary resident identity card", "P", L("temporary-id-card", "临时居民身份证", "Temporary resident identity card", None), 3, 1, "R", 10, None),
  ("居住证申领", "Application for a residence permit", "P", L("residence-permit", "居住证", "Residence permit", None), 15, 10, "R", 0, None),
  ("普通护照申领", "Application for an ordinary passport", "P", L("passport", "普通护照", "Ordinary passport", 10), 7, 7, "R", 120, None),
  ("往来港澳通行证申领", "Application for a Hong Kong and Macao travel permit", "P", L("hk-macao-permit", "往来港澳通行证", "Hong Kong and Macao travel permit", 10), 7, 7, "R", 60, None),
  ("机动车驾驶证换证", "Renewal of a motor vehicle driving licence", "P", L("driving-licence", "机动车驾驶证", "Motor vehicle driving licence", 10), 1, 1, "OR", 10, None),
  ("机动车驾驶证补证", "Replacement of a motor vehicle driving licence", "P", L("driving-licence", "机动车驾驶证", "Motor vehicle driving licence", 10), 1, 1, "OR", 10, None),
  ("机动车检验标志核发", "Issuing a vehicle inspection mark", "X", L("inspection-mark", "机动车检验标志", "Vehicle inspection mark", 1), 1, 1, "O", 0, None),
  ("无犯罪记录证明开具", "Certificate of no criminal record", "P", None, 3, 1, "OR", 0, None),
  ("旅馆业特种行业许可", "Special-trade licence for hotels", "E", L("hotel-trade-licence", "特种行业许可证", "Special-trade licence", None), 20, 10, "R", 0, None),
  ("公章刻制备案", "Filing of official seal engraving", "E", None, 1, 1, "O", 0, None),
  ("出生登记", "Household registration of a newborn", "P", None, 5, 1, "OR", 0, None),
 ],
 "eco": [
  ("排污许可", "Pollutant discharge permit", "E", L("discharge-permit", "排污许可证", "Pollutant discharge permit", 5), 20, 10, "OR", 0, "eco"),
  ("建设项目环境影响报告表审批", "Approval of an environmental impact report form", "E", None, 30, 15, "R", 0, "eco"),
  ("建设项目环境影响登记表备案", "Filing of an environmental impact registration form", "E", None, 1, 1, "O", 0, "eco"),
  ("危险废物经营许可", "Hazardous waste business licence", "E", L("hazardous-waste-licence", "危险废物经营许可证", "Hazardous waste business licence", 5), 20, 15, "R", 0, "eco"),
  ("辐射安全许可", "Radiation safety licence", "E", L("radiation-licence", "辐射安全许可证", "Radiation safety licence", 5), 20, 15, "R", 0, None),
  ("固定污染源排污登记", "Registration of fixed pollution sources", "E", None, 5, 1, "O", 0, "eco"),
  ("危险废物跨省转移审批", "Approval of cross-provincial transfer of hazardous waste", "E", None, 20, 10, "M", 0, "eco"),
  ("污染防治设施拆除闲置报备", "Report on dismantling or idling pollution control facilities", "E", None, 5, 3, "OR", 0, None),
  ("建设项目竣工环境保护验收备案", "Filing of environmental acceptance on project completion", "E", None, 5, 3, "O", 0, "eco"),
  ("固体废物跨省转移利用备案", "Filing of cross-provincial transfer of solid waste for reuse", "E", None, 5, 5, "M", 0, "eco"),
 ],
 "medical": [
  ("异地就医登记备案和结算", "Registration for medical treatment in another city, and settlement", "P", None, 5, 1, "OR", 0, "medical"),
  ("基本医疗保险关系转移接续", "Transfer of basic medical insurance", "P", None, 45, 15, "ORM", 0, "transfer"),
  ("医保参保信息查询打印", "Printout of medical insurance records", "P", None, 1, 1, "OR", 0, None),
  ("生育保险待遇申领", "Claim for maternity insurance benefit", "P", None, 20, 10, "OR", 0, "medical"),
  ("门诊慢特病待遇认定", "Recognition of chronic and special disease outpatient benefits", "P", None, 20, 10, "R", 0, "medical"),
  ("医疗费用手工报销", "Manual reimbursement of medical expenses", "P", None, 30, 20, "OR", 0, "medical"),
  ("定点医药机构申请", "Application as a designated medical institution", "E", None, 60, 30, "R", 0, None),
  ("城乡居民医保参保登记", "Registration for urban and rural residents' medical insurance", "P", None, 5, 1, "OR", 0, None),
  ("长期护理保险待遇申请", "Application for long-term care insurance benefits", "P", None, 20, 10, "R", 0, "medical"),
  ("职工医保个人账户家庭共济", "Family sharing of an employee's medical insurance account", "P", None, 5, 1, "OR", 0, None),
 ],
 "resources": [
  ("不动产抵押登记", "Real estate mortgage registration", "X", L("mortgage-certificate", "不动产登记证明", "Real estate registration certificate", None), 30, 3, "OR", 80, "estate_fee"),
  ("不动产首次登记", "First registration of real estate", "X", L("property-certificate", "不动产权证书", "Real estate title certificate", None), 30, 5, "R", 550, "estate_fee"),
  ("不动产转移登记", "Real estate transfer registration", "X", L("property-certificate", "不动产权证书", "Real estate title certificate", None), 30, 5, "R", 80, "estate_fee"),
  ("不动产变更登记", "Real estate change registration", "X", L("property-certificate", "不动产权证书", "Real estate title certificate", None), 30, 5, "OR", 0, "estate"),
  ("不动产抵押注销登记", "Deregistration of a real estate mortgage", "X", None, 30, 1, "OR", 0, "estate"),
  ("不动产登记资料查询", "Search of the real estate register", "X", None, 5, 1, "OR", 0, "estate"),
  ("不动产预告登记", "Advance notice registration of real estate", "X", L("mortgage-certificate", "不动产登记证明", "Real estate registration certificate", None), 30, 5, "R", 80, "estate_fee"),
  ("建设用地规划许可", "Construction land planning permit", "E", L("land-planning-permit", "建设用地规划许可证", "Construction land planning permit", None), 20, 10, "R", 0, None),
  ("建设工程规划许可", "Construction project planning permit", "E", L("project-planning-permit", "建设工程规划许可证", "Construction project planning permit", None), 20, 10, "R", 0, None),
  ("测绘资质审批", "Approval of surveying and mapping qualifications", "E", L("surveying-qualification", "测绘资质证书", "Surveying qualification certificate", 5), 20, 15, "R", 0, None),
  ("不动产更正登记", "Correction registration of real estate", "X", None, 30, 5, "R", 0, "estate"),
 ],
 "tax": [
  ("税务登记信息确认", "Confirmation of tax registration information", "E", None, 1, 1, "O", 0, None),
  ("跨区域涉税事项报告", "Report of cross-region tax matters", "E", None, 1, 1, "OR", 0, "tax"),
  ("跨区域涉税事项报验", "Inspection of cross-region tax matters", "E", None, 1, 1, "OR", 0, "tax"),
  ("发票领用", "Issuing of invoices to a taxpayer", "E", None, 1, 1, "OR", 0, None),
  ("增值税一般纳税人登记", "General VAT taxpayer registration", "E", None, 2, 1, "OR", 0, None),
  ("开具纳税证明", "Tax payment certificate", "X", None, 1, 1, "OR", 0, None),
  ("个人所得税完税证明开具", "Individual income tax payment certificate", "P", None, 1, 1, "O", 0, None),
  ("清税证明开具", "Tax clearance certificate", "E", None, 20, 1, "OR", 0, None),
  ("出口退(免)税备案", "Filing for export tax refund or exemption", "E", None, 2, 1, "OR", 0, None),
  ("税收居民身份证明开具", "Certificate of tax residence", "X", None, 10, 5, "OR", 0, None),
  ("纳税人跨区域迁移", "Relocation of a taxpayer across regions", "E", None, 20, 3, "RM", 0, "tax"),
  ("车辆购置税完税证明", "Vehicle purchase tax payment certificate", "X", None, 1, 1, "OR", 0, None),
 ],
 "ip": [
  ("跨区域知识产权侵权投诉", "Cross-regional intellectual property infringement complaint", "X", None, 30, 15, "ORM", 0, "ipcomplaint"),
  ("专利侵权纠纷行政裁决", "Administrative ruling on a patent infringement dispute", "X", None, 60, 45, "RM", 0, "ipcomplaint"),
  ("专利权质押登记", "Registration of a patent pledge", "X", None, 10, 5, "OR", 0, "patent"),
  ("商标注册申请受理", "Receipt of a trademark registration application", "X", None, 5, 1, "R", 270, None),
  ("商标专用权质押登记", "Registration of a trademark pledge", "X", None, 10, 5, "OR", 0, None),
  ("知识产权维权援助申请", "Application for IP rights protection assistance", "X", None, 20, 10, "ORM", 0, "ipcomplaint"),
  ("专利实施许可合同备案", "Filing of a patent licence contract", "X", None, 7, 5, "OR", 0, "patent"),
  ("地理标志专用标志使用核准", "Approval to use the geographical indication mark", "E", None, 20, 15, "R", 0, None),
  ("专利优先审查推荐", "Recommendation for prioritised patent examination", "X", None, 10, 5, "O", 0, "patent"),
 ],
 "talent": [
  ("G60科创走廊九城市人才资质互认", "Recognition of talent qualifications across the nine G60 cities", "P", L("talent-recognition", "G60科创走廊人才资质互认证明", "G60 talent qualification recognition", 3), 20, 10, "ORM", 0, "talent"),
  ("人才公寓租金补贴申请", "Application for a talent apartment rent subsidy", "P", None, 20, 10, "OR", 0, "talent_rent"),
  ("高层次人才认定", "Recognition of high-level talent", "P", L("talent-certificate", "高层次人才认定证书", "High-level talent certificate", 5), 30, 20, "R", 0, "talent"),
  ("人才安居购房补贴申请", "Application for a talent home-purchase subsidy", "P", None, 30, 20, "R", 0, "rent"),
  ("人才引进落户", "Household registration for recruited talent", "P", None, 20, 10, "RM", 0, "talent"),
  ("外籍高层次人才确认函", "Confirmation letter for foreign high-level talent", "E", L("foreign-talent-letter", "外籍高层次人才确认函", "Foreign high-level talent confirmation", 1), 10, 5, "R", 0, "foreigner"),
  ("人才子女入学服务申请", "School enrolment service for talents' children", "P", None, 20, 10, "R", 0, "talent"),
  ("博士后科研工作站设站申请", "Application to set up a postdoctoral workstation", "E", None, 60, 45, "R", 0, None),
  ("留学人员创业资助申请", "Start-up grant for returned overseas students", "P", None, 30, 20, "R", 0, "talent"),
  ("G60人才服务卡申领", "Application for the G60 talent service card", "P", L("talent-card", "G60人才服务卡", "G60 talent service card", 3), 10, 5, "OR", 0, "talent"),
 ],
 "housing": [
  ("人才公寓入住申请", "Application to live in a talent apartment", "P", None, 20, 10, "OR", 0, "rent"),
  ("公共租赁住房申请", "Application for public rental housing", "P", None, 30, 20, "R", 0, "rent"),
  ("建筑业企业资质核准", "Approval of construction enterprise qualifications", "E", L("construction-qualification", "建筑业企业资质证书", "Construction enterprise qualification", 5), 20, 15, "R", 0, None),
  ("建筑施工企业安全生产许可", "Work safety licence for construction enterprises", "E", L("construction-safety-licence", "安全生产许可证", "Work safety licence", 3), 45, 20, "R", 0, None),
  ("商品房预售许可", "Pre-sale permit for commercial housing", "E", L("presale-permit", "商品房预售许可证", "Commercial housing pre-sale permit", None), 10, 5, "R", 0, None),
  ("房屋租赁登记备案", "Registration of a housing lease", "X", None, 3, 1, "OR", 0, "rent"),
  ("建筑工程施工许可", "Construction permit for building works", "E", L("construction-permit", "建筑工程施工许可证", "Construction permit", None), 7, 5, "R", 0, None),
  ("住房租赁补贴申请", "Application for a housing rent subsidy", "P", None, 20, 10, "OR", 0, "rent"),
  ("一级建造师执业初始注册", "Initial registration of a first-class constructor", "P", L("constructor-registration", "建造师注册证书", "Constructor registration certificate", 3), 20, 10, "O", 0, None),
 ],
 "civil": [
  ("婚姻登记档案查询", "Search of marriage registration records", "P", None, 5, 1, "OR", 0, None),
  ("社会团体成立登记", "Registration of a social organisation", "P", L("social-org-certificate", "社会团体法人登记证书", "Social organisation registration certificate", 5), 60, 20, "R", 0, "org_setup"),
  ("民办非企业单位成立登记", "Registration of a private non-enterprise unit", "P", L("npo-certificate", "民办非企业单位登记证书", "Private non-enterprise unit certificate", 5), 60, 20, "R", 0, "org_setup"),
  ("最低生活保障申请", "Application for subsistence allowance", "P", None, 30, 20, "R", 0, None),
  ("高龄津贴申领", "Claim for an old-age allowance", "P", None, 20, 10, "OR", 0, None),
  ("残疾人两项补贴申领", "Claim for the two subsidies for persons with disabilities", "P", None, 20, 10, "OR", 0, None),
  ("养老机构备案", "Filing of an elderly care institution", "E", None, 5, 3, "OR", 0, None),
  ("慈善组织认定", "Recognition as a charitable organisation", "E", None, 20, 15, "R", 0, None),
 ],
 "transport": [
  ("道路运输经营许可", "Road transport business licence", "E", L("road-transport-licence", "道路运输经营许可证", "Road transport business licence", 4), 20, 10, "R", 0, None),
  ("道路运输从业资格证申领", "Road transport practitioner qualification certificate", "P", L("transport-qualification", "道路运输从业资格证", "Road transport qualification certificate", 6), 10, 5, "OR", 0, None),
  ("网络预约出租汽车驾驶员证申领", "Ride-hailing driver's permit", "P", L("ride-hailing-permit", "网络预约出租汽车驾驶员证", "Ride-hailing driver's permit", 6), 20, 10, "R", 0, None),
  ("道路运输证配发", "Road transport certificate for a vehicle", "E", L("vehicle-transport-certificate", "道路运输证", "Road transport certificate", None), 10, 5, "OR", 0, None),
  ("超限运输车辆行驶公路许可", "Highway permit for over-limit transport vehicles", "E", None, 15, 5, "OM", 0, None),
  ("机动车维修经营备案", "Filing of a motor vehicle repair business", "E", None, 5, 1, "OR", 0, None),
  ("危险货物道路运输许可", "Dangerous goods road transport licence", "E", L("dangerous-goods-licence", "道路危险货物运输许可证", "Dangerous goods road transport licence", 4), 20, 15, "R", 0, None),
 ],
 "commerce": [
  ("对外贸易经营者备案登记", "Registration of foreign trade operators", "E", None, 5, 1, "OR", 0, None),
  ("外商投资信息报告", "Foreign investment information report", "E", None, 5, 1, "O", 0, None),
  ("单用途预付卡备案", "Filing for single-purpose prepaid cards", "E", None, 5, 3, "OR", 0, None),
  ("二手车交易市场经营者备案", "Filing of used-car market operators", "E", None, 5, 3, "OR", 0, None),
  ("酒类商品批发许可", "Liquor wholesale licence", "E", L("liquor-licence", "酒类商品批发许可证", "Liquor wholesale licence", 3), 20, 10, "R", 0, None),
  ("报废机动车回收拆解企业资质认定", "Qualification of end-of-life vehicle recycling enterprises", "E", L("elv-qualification", "报废机动车回收拆解企业资质认定证书", "End-of-life vehicle recycling qualification", None), 20, 15, "R", 0, None),
  ("技术进出口合同登记", "Registration of technology import and export contracts", "E", L("tech-contract-certificate", "技术进出口合同登记证书", "Technology import/export contract certificate", None), 3, 2, "OR", 0, None),
 ],
 "science": [
  ("高新技术企业认定", "Recognition of high-tech enterprises", "E", L("high-tech-certificate", "高新技术企业证书", "High-tech enterprise certificate", 3), 60, 45, "R", 0, "tech"),
  ("科技型中小企业评价入库", "Evaluation and registration of technology-based SMEs", "E", None, 20, 10, "O", 0, "tech"),
  ("外国人来华工作许可", "Work permit for foreigners in China", "E", L("foreigner-work-permit", "外国人工作许可证", "Foreigner's work permit", 1), 10, 5, "OR", 0, "foreigner"),
  ("技术合同认定登记", "Registration of technology contracts", "E", None, 5, 3, "OR", 0, "tech"),
  ("技术成果拍卖登记", "Registration of technology achievements for auction", "E", None, 10, 5, "OR", 0, "tech"),
  ("科技企业孵化器认定", "Recognition of technology business incubators", "E", None, 60, 30, "R", 0, None),
  ("研发费用加计扣除鉴定", "Appraisal for the R&D expense super-deduction", "E", None, 20, 10, "R", 0, "tech"),
  ("G60科创走廊产业协同创新项目申报", "Application for a G60 corridor industrial cooperation project", "E", None, 30, 20, "ORM", 0, "tech"),
  ("科技创新券申领与跨区域兑付", "Innovation voucher application and cross-city redemption", "E", None, 20, 10, "ORM", 0, "tech"),
 ],
 "industry": [
  ("专精特新中小企业认定", "Recognition of specialised and sophisticated SMEs", "E", L("srdi-certificate", "专精特新中小企业证书", "Specialised and sophisticated SME certificate", 3), 60, 30, "R", 0, "tech"),
  ("工业企业技术改造项目备案", "Filing of an industrial technical renovation project", "E", None, 5, 3, "OR", 0, None),
  ("首台(套)重大技术装备认定", "Recognition of first-of-its-kind major equipment", "E", None, 60, 45, "R", 0, "tech"),
  ("固定资产投资项目节能审查", "Energy-saving review of fixed-asset investment projects", "E", None, 20, 10, "R", 0, None),
  ("企业技术中心认定", "Recognition of an enterprise technology centre", "E", None, 60, 45, "R", 0, "tech"),
 ],
 "health": [
  ("医疗机构执业许可", "Practice licence for a medical institution", "E", L("medical-institution-licence", "医疗机构执业许可证", "Medical institution practice licence", 5), 45, 20, "R", 0, None),
  ("医师执业注册", "Physician practice registration", "P", L("physician-certificate", "医师执业证书", "Physician practice certificate", None), 20, 5, "OR", 0, None),
  ("护士执业注册", "Nurse practice registration", "P", L("nurse-certificate", "护士执业证书", "Nurse practice certificate", 5), 20, 5, "OR", 0, None),
  ("公共场所卫生许可", "Hygiene licence for public places", "E", L("hygiene-licence", "公共场所卫生许可证", "Public place hygiene licence", 4), 20, 5, "OR", 0, None),
  ("出生医学证明补发", "Reissue of a birth medical certificate", "P", None, 20, 10, "R", 0, None),
  ("放射诊疗许可", "Licence for radiological diagnosis and treatment", "E", L("radiology-licence", "放射诊疗许可证", "Radiological diagnosis licence", None), 20, 15, "R", 0, None),
  ("母婴保健技术服务执业许可", "Practice licence for maternal and child health services", "E", L("maternal-health-licence", "母婴保健技术服务执业许可证", "Maternal and child health licence", 3), 20, 15, "R", 0, None),
  ("生育登记", "Birth registration for family planning", "P", None, 5, 1, "OR", 0, None),
 ],
 "education": [
  ("教师资格认定", "Recognition of teacher qualifications", "P", L("teacher-qualification", "教师资格证书", "Teacher qualification certificate", None), 60, 30, "OR", 0, None),
  ("民办学校设立审批", "Approval to establish a private school", "E", L("school-licence", "民办学校办学许可证", "Private school licence", 5), 60, 45, "R", 0, None),
  ("义务教育阶段跨市转学", "Cross-city school transfer in compulsory education", "P", None, 15, 10, "RM", 0, None),
  ("校外培训机构设立审批", "Approval of an off-campus training institution", "E", L("training-licence", "办学许可证", "Training institution licence", 3), 60, 30, "R", 0, None),
  ("中等职业学校学历证明开具", "Certificate of secondary vocational education", "P", None, 10, 5, "OR", 0, None),
 ],
 "justice": [
  ("机动车驾驶证公证", "Notarisation of a motor vehicle driving licence", "P", None, 15, 5, "OR", 100, "notary"),
  ("学历公证", "Notarisation of academic credentials", "P", None, 15, 5, "OR", 100, "notary"),
  ("无犯罪记录公证", "Notarisation of no criminal record", "P", None, 15, 5, "OR", 100, "notary"),
  ("法律援助申请", "Application for legal aid", "P", None, 7, 3, "OR", 0, None),
  ("律师执业许可", "Lawyer practice licence", "P", L("lawyer-licence", "律师执业证", "Lawyer practice certificate", None), 30, 20, "R", 0, None),
  ("亲属关系公证", "Notarisation of kinship", "P", None, 15, 5, "OR", 100, "notary"),
  ("出生公证", "Notarisation of birth", "P", None, 15, 5, "OR", 80, "notary"),
  ("婚姻状况公证", "Notarisation of marital status", "P", None, 15, 5, "OR", 80, "notary"),
 ],
 "emergency": [
  ("危险化学品经营许可", "Hazardous chemicals business licence", "E", L("hazchem-licence", "危险化学品经营许可证", "Hazardous chemicals business licence", 3), 30, 15, "R", 0, None),
  ("烟花爆竹经营(零售)许可", "Fireworks retail licence", "E", L("fireworks-licence", "烟花爆竹经营(零售)许可证", "Fireworks retail licence", 1), 20, 10, "R", 0, None),
  ("生产安全事故应急预案备案", "Filing of a work-safety emergency plan", "E", None, 5, 3, "OR", 0, None),
 ],
 "culture": [
  ("营业性演出许可", "Commercial performance licence", "E", None, 3, 2, "OR", 0, None),
  ("旅行社设立许可", "Travel agency licence", "E", L("travel-agency-licence", "旅行社业务经营许可证", "Travel agency licence", None), 20, 10, "R", 0, None),
  ("娱乐场所经营许可", "Entertainment venue licence", "E", L("entertainment-licence", "娱乐经营许可证", "Entertainment venue licence", 2), 20, 10, "R", 0, None),
  ("网络文化经营许可", "Online culture business licence", "E", L("online-culture-licence", "网络文化经营许可证", "Online culture business licence", 3), 20, 10, "OR", 0, None),
  ("出版物经营许可", "Publication business licence", "E", L("publication-licence", "出版物经营许可证", "Publication business licence", None), 20, 10, "OR", 0, None),
 ],
 "agri": [
  ("农药经营许可", "Pesticide business licence", "E", L("pesticide-licence", "农药经营许可证", "Pesticide business licence", 5), 20, 10, "R", 0, None),
  ("兽药经营许可", "Veterinary drug business licence", "E", L("vet-drug-licence", "兽药经营许可证", "Veterinary drug business licence", 5), 20, 10, "R", 0, None),
  ("农作物种子生产经营许可", "Crop seed production and trading licence", "E", L("seed-licence", "农作物种子生产经营许可证", "Seed production and trading licence", 5), 20, 15, "R", 0, None),
  ("动物防疫条件合格证核发", "Animal epidemic prevention certificate", "E", L("animal-epidemic-certificate", "动物防疫条件合格证", "Animal epidemic prevention certificate", None), 20, 10, "R", 0, None),
  ("拖拉机和联合收割机驾驶证申领", "Tractor and combine harvester driving licence", "P", L("tractor-licence", "拖拉机和联合收割机驾驶证", "Tractor driving licence", 6), 20, 5, "R", 10, None),
 ],
}

CATEGORY = {
  "market": "enterprise", "tax": "enterprise", "commerce": "enterprise", "industry": "industry",
  "science": "innovation", "ip": "innovation", "talent": "talent", "hrss": "social_security",
  "medical": "social_security", "hpf": "provident_fund", "police": "household",
  "eco": "environment", "resources": "real_estate", "housing": "housing", "civil": "civil",
  "transport": "transport", "health": "health", "education": "education", "justice": "notary",
  "emergency": "safety", "culture": "culture", "agri": "agriculture",
}

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
    assert all(any(m["code"] == c for m in out) for c in COMPETENT_FIELD)
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
    for name, data in files.items():
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
        print(f"{name}: {len(data)} records")

if __name__ == "__main__":
    main()
