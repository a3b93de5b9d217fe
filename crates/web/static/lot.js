// An auction lot's page, kept current while it is open: every 2 seconds the lot is read from
// this site's API and the price, the lowest next bid, the close, the countdown and the bid
// history are written into the page. Without scripts the page shows the same on reload.
(function () {
  "use strict";
  var lot = document.getElementById("lot");
  if (!lot || !window.fetch) return;
  var id = lot.getAttribute("data-lot");
  var zh = lot.getAttribute("data-lang") === "zh-CN";
  var me = Number(lot.getAttribute("data-me") || "0");
  var skew = 0;
  var closeMs = null;
  function yuan(n) { return n == null ? "—" : String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function set(elId, text) { var e = document.getElementById(elId); if (e) e.textContent = text; }
  function time(ms) {
    var d = new Date(ms + 8 * 3600 * 1000);
    return d.toISOString().slice(0, 19).replace("T", " ");
  }
  function tick() {
    var c = document.getElementById("lot-countdown");
    if (!c || closeMs == null) return;
    var s = Math.max(0, Math.floor((closeMs - (Date.now() + skew)) / 1000));
    var h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60), r = s % 60;
    var pad = function (x) { return (x < 10 ? "0" : "") + x; };
    c.textContent = (zh ? "距截止 " : "Closes in ") + pad(h) + ":" + pad(m) + ":" + pad(r);
  }
  function refresh() {
    fetch("/api/v1/auctions/lots/" + encodeURIComponent(id), { credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (v) {
        if (!v) return;
        skew = v.now_ms - Date.now();
        if (v.phase === "bidding") closeMs = v.close_ms;
        set("lot-current", yuan(v.current));
        if (v.min_next != null) set("lot-min-next", yuan(v.min_next));
        set("lot-close", time(v.close_ms));
        set("lot-extensions", String(v.extensions));
        var body = document.querySelector("#lot-history tbody");
        if (body && v.history) {
          body.textContent = "";
          v.history.forEach(function (h) {
            var tr = document.createElement("tr");
            [(zh ? "竞买人 " : "Bidder ") + h.bidder_no + (h.bidder_no === me ? (zh ? "（我方）" : " (you)") : ""), h.amount == null ? (zh ? "已密封" : "sealed") : yuan(h.amount), time(h.at_ms)]
              .forEach(function (t) { var td = document.createElement("td"); td.textContent = t; tr.appendChild(td); });
            body.appendChild(tr);
          });
        }
        if (v.status !== "pending" || v.phase === "ended") { clearInterval(poll); }
      })
      .catch(function () {});
  }
  var poll = setInterval(refresh, 2000);
  setInterval(tick, 1000);
  refresh();
})();
