//! A listing's documents on the pages: shown (to whoever may see the listing) and added by the
//! listing's owner or the joint office from the auction office page.

use super::*;
use crate::materials::file_answer;

/// `GET /auctions/listings/{id}/files/{file}`: one document, shown in the browser.
pub(crate) async fn download(
    State(app): State<Arc<App>>,
    cx: Cx,
    Path((id, file)): Path<(String, String)>,
) -> Response {
    let p = principal(&app, &cx.headers).await;
    match app.listing_file(p.as_ref(), &id, &file).await {
        Ok((v, bytes)) => file_answer(v.download_headers(), bytes),
        Err(e) => deny(cx.t(), cx.lang, e.code),
    }
}

/// `POST /auctions/listings/{id}/files`: a document (multipart: `csrf`, `file`); back to the
/// office page, or the page with the reason beside the listing.
pub(crate) async fn upload(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    PostedDocument { cx, p, file, .. }: PostedDocument,
) -> Response {
    match app.add_listing_file(&p, &id, file).await {
        Ok(_) => redirect(&format!("/auctions/office#listing-{id}")),
        Err(e) => {
            let mut st = FormState::refused(cx.lang, &e, FormData(Vec::new()));
            // Shown beside the listing's own upload form.
            if let Some(why) = st.errors.remove("file") {
                st.errors.insert(format!("file-{id}"), why);
            }
            office::office_page(&app, &cx, &p, st).await
        }
    }
}
