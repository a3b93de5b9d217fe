//! The filing every benchmark files: a branch registration at a window in Hefei for a
//! Songjiang enterprise (fictional names and numbers).

use corridor_app::filing::FileCase;
use corridor_domain::catalogue::ServiceMode;
use serde_json::json;

/// A valid remote-receipt filing: a Hefei enterprise's branch registration in Songjiang.
pub fn sample_filing() -> FileCase {
    let form = json!({
        "applicant_uscc": "91310117MA1J00014T",
        "enterprise_name": "启明新材料有限公司",
        "contact_name": "王伟",
        "contact_id": "11010519491231002X",
        "contact_phone": "13812345678",
        "parent_uscc": "91310117MA1J00014T",
        "branch_name": "启明新材料有限公司松江分公司",
        "branch_address": "松江区示例路1号",
        "business_scope": "新材料技术研发",
        "person_in_charge": "李娜",
        "person_in_charge_id": "360426199101010071"
    });
    FileCase {
        matter_code: "G60-MAR-001".into(),
        competent_city: "310117".into(),
        mode: ServiceMode::RemoteReceipt,
        window_id: Some("340100-W01".into()),
        form: serde_json::from_value(form).unwrap_or_default(),
        identity_checked: false,
        identity_seen: None,
    }
}
