//! "Move a match" once the queued candidates run out: post a copy of a demo need for a head
//! enterprise, then rank it and queue its candidates (each one request of the run).

use super::*;

/// The state of "move a match" once the candidates run out: post a need, then rank it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Refill {
    /// Post a new need next.
    Post,
    /// A request of this kind is posting or ranking a need.
    Busy,
    /// Rank this posted need next.
    Rank(String),
}

/// A head enterprise's next need: a copy of demo need `n`, with its number in the title.
fn need_copy(v: &Value, n: u64) -> Value {
    let mut body = serde_json::Map::new();
    for k in [
        "owner_uscc",
        "kind",
        "description_zh",
        "description_en",
        "certifications",
        "clusters",
        "industries",
        "cities",
    ] {
        if let Some(x) = v.get(k).filter(|x| !x.is_null()) {
            body.insert(k.into(), x.clone());
        }
    }
    let title = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    body.insert(
        "title_zh".into(),
        json!(format!("{}（第{n}批）", title("title_zh"))),
    );
    body.insert(
        "title_en".into(),
        json!(format!("{} (round {n})", title("title_en"))),
    );
    Value::Object(body)
}

/// "Move a match" with no candidate left: post a need, or rank the need just posted and queue
/// its candidates (each one request of the run).
pub(super) async fn refill(s: &Shared, i: u64) -> bool {
    let api = |p: &str| format!("{}/api/v1{p}", s.base);
    let state = s
        .refill
        .lock()
        .map(|mut r| std::mem::replace(&mut *r, Refill::Busy))
        .unwrap_or(Refill::Busy);
    let set = |r: Refill| {
        if let Ok(mut x) = s.refill.lock() {
            *x = r;
        }
    };
    match state {
        // Another request is posting or ranking: read a board meanwhile.
        Refill::Busy => read_board(s, i).await,
        Refill::Post => {
            let k = s.posted.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            let doc = &s.need_docs[(k as usize) % s.need_docs.len()];
            let r = s
                .http
                .post(api("/needs"))
                .bearer_auth(&s.office)
                .json(&need_copy(doc, k))
                .send()
                .await;
            let id = match r {
                Ok(r) if r.status().is_success() => r
                    .json::<Value>()
                    .await
                    .ok()
                    .and_then(|v| v["id"].as_str().map(str::to_string)),
                _ => None,
            };
            let ok = id.is_some();
            if !ok {
                s.posted.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            }
            set(id.map_or(Refill::Post, Refill::Rank));
            ok
        }
        Refill::Rank(id) => {
            let r = s
                .http
                .get(api(&format!("/needs/{id}/matches?limit={}", s.per_need)))
                .bearer_auth(&s.office)
                .send()
                .await;
            let ranked = match r {
                Ok(r) if r.status().is_success() => r.json::<Value>().await.ok(),
                _ => None,
            };
            let Some(ranked) = ranked else {
                set(Refill::Rank(id));
                return false;
            };
            if let Ok(mut m) = s.matches.lock() {
                for c in ranked["items"].as_array().into_iter().flatten() {
                    if let Some(u) = c["uscc"].as_str() {
                        m.push_back((id.clone(), u.to_string(), "contacted"));
                    }
                }
            }
            set(Refill::Post);
            true
        }
    }
}
