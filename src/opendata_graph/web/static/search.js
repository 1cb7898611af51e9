(function () {
  var box = document.getElementById("search"), hits = document.getElementById("hits"), index = null;
  fetch(box.form.getAttribute("action")).then(function (r) { return r.json(); }).then(function (data) { index = data; });
  box.addEventListener("input", function () {
    var fold = function (s) { return s.toLowerCase().replace(/[\s_.\-]+/g, " ").trim(); };  // CC BY = cc-by
    var t = fold(box.value);
    hits.replaceChildren();
    if (!index || !t) { return; }
    var rank = function (e) {  // a name that starts with the text first, then a word that does, then the rest
      var best = 3;
      e.names.forEach(function (n) {
        var l = fold(n), i = l.indexOf(t);
        best = Math.min(best, i < 0 ? 3 : i === 0 ? 0 : /\W/.test(l.charAt(i - 1)) ? 1 : 2);
      });
      return best;
    };
    index.map(function (e) { return [rank(e), e]; }).filter(function (x) { return x[0] < 3; })
      .sort(function (a, b) { return a[0] - b[0]; }).slice(0, 20).map(function (x) { return x[1]; })
      .forEach(function (e) {
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = e.href; a.textContent = e.label; li.append(a, " (" + e.kind + ")"); hits.append(li);
      });
  });
})();
