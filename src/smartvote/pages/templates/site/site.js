// The site's one script. On a lookup page it finds the typed station in the station map the
// page loaded with <script src> (the whole election's map, so no request tells anyone even the
// region); nothing typed leaves the page. On every page served over http(s) it registers the
// service worker that keeps the site for offline use.
(function () {
  "use strict";
  var script = document.currentScript;
  var form = document.getElementById("lookup");
  if (form && window.SMARTVOTE_STATIONS) {
    var data = JSON.parse(document.getElementById("lookup-data").textContent);
    var region = document.getElementById("region");
    var number = document.getElementById("number");
    var answer = document.getElementById("answer");

    var fill = function (template, values) {
      return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
    };
    var line = function (text, className) {
      var p = document.createElement("p");
      p.textContent = text;
      if (className) p.className = className;
      answer.appendChild(p);
      return p;
    };
    var find = function (runs, n) { // binary search over [first, last, district] triples
      var lo = 0, hi = runs.length / 3 - 1;
      while (lo <= hi) {
        var mid = (lo + hi) >> 1;
        if (n < runs[3 * mid]) hi = mid - 1;
        else if (n > runs[3 * mid + 1]) lo = mid + 1;
        else return runs[3 * mid + 2];
      }
      return -1;
    };
    var show = function () {
      answer.replaceChildren();
      var typed = number.value.trim();
      if (!/^[0-9]+$/.test(typed)) return;
      var n = parseInt(typed, 10);
      var d = find(window.SMARTVOTE_STATIONS[region.value] || [], n);
      if (d < 0) {
        line(fill(data.text.unknown, { number: n, region: region.value }), "caveat");
        return;
      }
      var pick = data.districts[d];
      line(fill(data.text.district, { district: pick.district }));
      line(fill(data.text.pick, { name: pick.pick }), "pick");
      if (pick.probability !== null) line(fill(data.text.probability, { probability: pick.probability, q: data.q }));
      if (pick.runner_up !== null) {
        line(fill(data.text.runner_up, { name: pick.runner_up, probability: pick.runner_up_probability }));
      }
      if (pick.endorsed) line(fill(data.text.endorsed, { name: pick.endorsed }));
      if (pick.flags.length) line(pick.flags.join(", "), "caveat");
      if (data.cards) { // a page of the site, not a page on its own
        var link = document.createElement("a");
        link.href = data.cards + "#d" + d;
        link.textContent = data.text.card;
        line("").appendChild(link);
      }
    };
    form.addEventListener("submit", function (event) { event.preventDefault(); show(); });
    number.addEventListener("input", show);
    region.addEventListener("change", show);
    show();
  }
  if ("serviceWorker" in navigator && /^https?:$/.test(location.protocol) && script && script.src) {
    navigator.serviceWorker.register(new URL("sw.js", script.src)).catch(function () { return null; });
  }
})();
