//! The HTTP client side of the exchange between nodes: how this node posts its messages to
//! other nodes' inboxes.

use corridor_app::outbox::SendError;

/// Posts envelopes (and files framed with them) over HTTP: 60 s a try, an answer of at most
/// 1 MiB, its status and body returned as they are.
pub fn http_transport() -> Result<corridor_app::outbox::Transport, String> {
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .map_err(|e| e.to_string())?;
    Ok(std::sync::Arc::new(move |url: String, body: Vec<u8>| {
        let http = http.clone();
        Box::pin(async move {
            let mut r = http
                .post(&url)
                .header("content-type", "application/cose")
                .body(body)
                .send()
                .await
                .map_err(|e| SendError::Unreachable(format!("{url}: {e}")))?;
            let status = r.status();
            let mut out = Vec::new();
            while let Some(chunk) = r
                .chunk()
                .await
                .map_err(|e| SendError::Unreachable(format!("{url}: {e}")))?
            {
                out.extend_from_slice(&chunk);
                if out.len() > corridor_exchange::envelope::MAX_ENVELOPE {
                    return Err(SendError::Answered(format!(
                        "{url}: the answer is larger than 1 MiB"
                    )));
                }
            }
            Ok((status.as_u16(), out))
        })
            as std::pin::Pin<
                Box<dyn std::future::Future<Output = Result<(u16, Vec<u8>), SendError>> + Send>,
            >
    }))
}
