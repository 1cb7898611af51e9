(function () {
  var area = document.getElementById("q"), form = document.getElementById("query-form");
  if (!area || typeof Yasqe === "undefined") { return; }
  var given = JSON.parse(document.getElementById("odg-editor-data").textContent);
  var root = given.root, own = given.terms;
  // Completion from the release's own classes and properties, never from an outside service: YASQE's own class
  // and property completers ask LOV, and its defaults merge into a page's list by position, so they are replaced.
  ["class", "property"].forEach(function (kind) {
    Yasqe.forkAutocompleter(kind, {name: "odg-" + kind, bulk: true, persistenceId: null, get: own[kind]}, false);
  });
  Yasqe.defaults.autocompleters = ["prefixes", "variables", "odg-class", "odg-property"];
  var box = document.createElement("div");
  area.parentNode.insertBefore(box, area);
  area.hidden = true;
  var yasqe = new Yasqe(box, {value: area.value, persistenceId: null, showQueryButton: false, resizeable: false,
    editorHeight: "18rem", extraKeys: {"Ctrl-Enter": function () { form.requestSubmit(); }},
    // "Share" makes a link to this page with the query in it; it never runs the query
    createShareableLink: function (y) {
      return location.origin + location.pathname.replace(/\/sparql$/, "/query") + "?query=" +
        encodeURIComponent(y.getValue()) + "&edit=1"; },
    consumeShareLink: null});
  box.querySelectorAll("button").forEach(function (b) { b.type = "button"; });  // inside the form: not submits
  yasqe.getInputField().setAttribute("aria-label", "SPARQL query");
  yasqe.on("change", function () { area.value = yasqe.getValue(); });
  window.odgEditor = yasqe;
  var endpoint = form.dataset.endpoint;
  if (!endpoint) { return; }
  var asked = new URLSearchParams(window.location.search).get("query");  // an example, on a static page
  if (asked) { yasqe.setValue(asked); }
  var out = document.getElementById("live-results"), base = form.dataset.base;
  var cell = function (t) {  // a term as text, our IRIs as links into this site, only http(s) IRIs as links
    var td = document.createElement("td");
    if (t && t.type === "uri" && /^https?:/i.test(t.value)) {
      var a = document.createElement("a");
      a.href = t.value.indexOf(base) === 0 ? root + t.value.slice(base.length) + ".html" : t.value;
      a.textContent = t.value; td.append(a);
    } else if (t) { td.textContent = t.value; }
    return td;
  };
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    area.value = yasqe.getValue();
    out.textContent = "Running…";
    fetch(endpoint + "?query=" + encodeURIComponent(area.value),
          {headers: {Accept: "application/sparql-results+json"}})
      .then(function (r) { return r.ok ? r.json() : r.text().then(function (t) { throw new Error(t); }); })
      .then(function (data) {
        var table = document.createElement("table"), head = document.createElement("tr");
        var vars = data.head.vars || ["result"], rows = data.results ? data.results.bindings : [{result:
          {type: "literal", value: String(data.boolean)}}];
        vars.forEach(function (v) { var th = document.createElement("th"); th.scope = "col"; th.textContent = v;
          head.append(th); });
        table.append(head);
        rows.forEach(function (b) { var tr = document.createElement("tr");
          vars.forEach(function (v) { tr.append(cell(b[v])); }); table.append(tr); });
        var h = document.createElement("h2"); h.textContent = "Results (" + rows.length + " rows)";
        out.replaceChildren(h, table);
      })
      .catch(function (e) { var p = document.createElement("p"); p.setAttribute("role", "alert");
        p.textContent = "Error: " + String(e.message).split("\n")[0]; out.replaceChildren(p); });
  });
})();
