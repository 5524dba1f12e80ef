// budgetdoc serve: keep the page in step with the sources. The server sends an event
// each time it has rebuilt; the page fetches itself again and swaps its content, so the
// scroll position stays. Nothing else runs here.
(function () {
  "use strict";
  var state = document.getElementById("live-state");
  function show(text, css) { if (state) { state.textContent = text; state.className = "state " + css; } }
  function refresh() {
    fetch(window.location.pathname + window.location.search, { cache: "no-store" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var content = fresh.getElementById("content");
        if (!content) { return; }
        document.getElementById("content").replaceWith(document.importNode(content, true));
        document.title = fresh.title;
        document.body.dataset.version = fresh.body.dataset.version || "";
        show("已更新 " + new Date().toLocaleTimeString(), "ok");
      })
      .catch(function () { show("无法取得页面，稍后重试", "bad"); });
  }
  var events = new EventSource("/events");
  events.addEventListener("open", function () { show("已连接，保存源文件后自动刷新", "ok"); });
  events.addEventListener("error", function () { show("与预览服务断开，正在重连…", "bad"); });
  events.addEventListener("rebuilt", function (event) {
    var data = {};
    try { data = JSON.parse(event.data); } catch (e) { return; }
    var mine = document.body.dataset.doc || "";
    if (!mine || (data.changed || []).indexOf(mine) >= 0) { refresh(); }
  });
})();
