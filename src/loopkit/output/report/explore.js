
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("lk-data").textContent);
  var V = data.vars, L = data.links, P = data.loops, prefix = data.prefix;
  function $(id) { return document.getElementById(id); }
  function h(tag, attrs, kids) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (kids || []).forEach(function (c) {
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }
  var figure = $("map-figure"), viewport = $("viewport");
  var svg = viewport ? viewport.querySelector("svg") : null;
  var varEls = V.map(function (v, i) { return svg ? $(prefix + "v" + i) : null; });
  var linkEls = L.map(function (l, j) { return svg ? $(prefix + "l" + j) : null; });
  var badges = svg ? Array.prototype.slice.call(svg.querySelectorAll("[data-loop]")) : [];
  var outs = V.map(function () { return []; }), ins = V.map(function () { return []; });
  L.forEach(function (l, j) { outs[l[0]].push(j); ins[l[1]].push(j); });
  var loopsOf = V.map(function () { return []; });
  P.forEach(function (p, k) { p[4].forEach(function (v) { loopsOf[v].push(k); }); });
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.loop-row"));
  var announce = $("announce");
  function say(text) { if (announce) { announce.textContent = text; } }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }
  function linkText(j) {
    var l = L[j];
    return V[l[0]][1] + " \u2192 " + V[l[1]][1] + " (" + l[2] + " " + l[3] +
      (l[4] ? ", delayed" : "") + ")";
  }
  function loopTitle(k) {
    var p = P[k];
    return p[0] + (p[3] ? " " + p[3] : "") + " (" + p[2] + ", " + plural(p[4].length, "link") + ")";
  }

  /* ---- highlighting in the drawing ---- */
  // A name set in bold is fitted to its bold width (the SVG fits it to the regular one).
  function bold(el, on) {
    var ts = el.querySelectorAll("text[data-bold-length]");
    for (var k = 0; k < ts.length; k++) {
      var t = ts[k];
      if (!t.hasAttribute("data-length")) { t.setAttribute("data-length", t.getAttribute("textLength")); }
      t.setAttribute("textLength", t.getAttribute(on ? "data-bold-length" : "data-length"));
    }
  }
  function paint(sel, hlVars, hlLinks, now, loopId) {
    var any = sel.length + hlVars.length + hlLinks.length > 0;
    var vs = {}, ls = {}, ss = {};
    hlVars.forEach(function (i) { vs[i] = 1; });
    hlLinks.forEach(function (j) { ls[j] = 1; });
    sel.forEach(function (i) { ss[i] = 1; });
    varEls.forEach(function (e, i) {
      if (!e) { return; }
      e.classList.toggle("lk-sel", !!ss[i]);
      e.classList.toggle("lk-hl", !ss[i] && !!vs[i]);
      e.classList.toggle("lk-dim", any && !ss[i] && !vs[i]);
      bold(e, !!ss[i] || !!vs[i]);
    });
    linkEls.forEach(function (e, j) {
      if (!e) { return; }
      e.classList.toggle("lk-hl", !!ls[j]);
      e.classList.toggle("lk-now", j === now);
      e.classList.toggle("lk-dim", any && !ls[j]);
    });
    badges.forEach(function (e) {
      var on = !!loopId && e.getAttribute("data-loop") === loopId;
      e.classList.toggle("lk-hl", on);
      e.classList.toggle("lk-dim", any && !on);
    });
  }
  var rove = 0;
  function setRove(i) {
    /* the one variable of the drawing in the tab order (a roving tabindex) */
    if (varEls[rove]) { varEls[rove].setAttribute("tabindex", "-1"); }
    rove = i;
    if (varEls[i]) { varEls[i].setAttribute("tabindex", "0"); }
  }
  var state = {kind: "", index: -1, step: 0};
  function setState(kind, index, step) {
    state = {kind: kind, index: index, step: step || 0};
    if (figure) {
      figure.setAttribute("data-selected", kind === "var" ? V[index][0] : "");
      figure.setAttribute("data-loop", kind === "loop" ? P[index][0] : "");
      figure.setAttribute("data-story", kind === "story" ? P[index][0] : "");
      figure.setAttribute("data-step", kind === "story" ? String(step) : "");
    }
    rows.forEach(function (row) {
      var k = Number(row.getAttribute("data-k"));
      var on = (kind === "loop" || kind === "story") && k === index;
      row.classList.toggle("current", on);
      var show = row.querySelector("button[data-act=show]");
      if (show) { show.setAttribute("aria-pressed", kind === "loop" && on ? "true" : "false"); }
      var story = row.querySelector("button[data-act=story]");
      if (story) { story.setAttribute("aria-pressed", kind === "story" && on ? "true" : "false"); }
    });
  }

  /* ---- the side panel ---- */
  function varButton(i, extra) {
    var b = h("button", {type: "button", "data-v": String(i)}, [V[i][1] + (extra || "")]);
    b.addEventListener("click", function () { selectVar(i, true); });
    return b;
  }
  function loopButton(k) {
    var b = h("button", {type: "button", "data-k": String(k)}, [loopTitle(k)]);
    b.addEventListener("click", function () { showLoop(k, true); });
    return b;
  }
  function fill(id, kids) {
    var box = $(id);
    while (box.firstChild) { box.removeChild(box.firstChild); }
    kids.forEach(function (c) { box.appendChild(c); });
  }
  var MOST = 25;
  function list(items, make) {
    var ul = h("ul", {}, []);
    items.slice(0, MOST).forEach(function (x) { ul.appendChild(h("li", {}, [make(x)])); });
    if (items.length > MOST) { ul.appendChild(h("li", {}, [(items.length - MOST) + " more"])); }
    return ul;
  }
  function selectVar(i, reveal) {
    setState("var", i);
    setRove(i);
    var near = [];
    ins[i].forEach(function (j) { near.push(L[j][0]); });
    outs[i].forEach(function (j) { near.push(L[j][1]); });
    paint([i], near, ins[i].concat(outs[i]), -1, "");
    var v = V[i], kids = [h("h3", {id: "focus-name"}, [v[1]])];
    if (v[2]) { kids.push(h("p", {}, ["Group: " + v[2]])); }
    kids.push(h("p", {class: "note"}, ["Its neighbours are highlighted in the map."]));
    kids.push(h("h4", {}, ["Causes (" + ins[i].length + ")"]));
    kids.push(ins[i].length ? list(ins[i], function (j) {
      return varButton(L[j][0], " (" + L[j][2] + (L[j][4] ? ", delayed" : "") + ")");
    }) : h("p", {}, ["none"]));
    kids.push(h("h4", {}, ["Effects (" + outs[i].length + ")"]));
    kids.push(outs[i].length ? list(outs[i], function (j) {
      return varButton(L[j][1], " (" + L[j][2] + (L[j][4] ? ", delayed" : "") + ")");
    }) : h("p", {}, ["none"]));
    kids.push(h("h4", {}, ["Loops through it (" + loopsOf[i].length + ")"]));
    if (loopsOf[i].length) {
      kids.push(list(loopsOf[i], loopButton));
      var all = h("button", {type: "button", id: "focus-filter"},
                  ["Filter the loop list by this variable"]);
      all.addEventListener("click", function () {
        $("f-var").value = String(i); applyFilters(); $("loops-title").focus();
      });
      kids.push(all);
    } else { kids.push(h("p", {}, ["none listed"])); }
    fill("focus-body", kids);
    say(v[1] + " selected: " + plural(ins[i].length, "cause") + ", " +
        plural(outs[i].length, "effect") + ", " + plural(loopsOf[i].length, "loop") + ".");
    if (reveal) { frame([i].concat(near)); }
  }
  function showLoop(k, reveal) {
    var p = P[k];
    setState("loop", k);
    paint([], p[4], p[5], -1, p[0]);
    var kids = [h("h3", {id: "focus-name"}, [loopTitle(k)]),
                h("p", {class: "sentence"}, [p[6].join(", ") + "."])];
    kids.push(h("p", {}, ["Its variables, in order:"]));
    kids.push(list(p[4], function (i) { return varButton(i); }));
    var story = h("button", {type: "button", id: "focus-story"}, ["Tell its story, link by link"]);
    story.addEventListener("click", function () { startStory(k); });
    kids.push(story);
    fill("focus-body", kids);
    say("Loop " + loopTitle(k) + " shown.");
    if (reveal) { frame(p[4]); }
  }
  function clearAll() {
    setState("", -1);
    paint([], [], [], -1, "");
    fill("focus-body", [h("p", {}, ["Nothing selected. Click a variable in the map, or " +
      "choose one in the search results or the variable table."])]);
    $("story-body").hidden = true; $("story-empty").hidden = false;
    say("Selection cleared.");
  }

  /* ---- story mode ---- */
  function storyStep(s) {
    var k = state.index, p = P[k], n = p[5].length;
    s = Math.max(0, Math.min(n, s));
    setState("story", k, s);
    var cur = p[4][s % n];
    paint([cur], p[4].slice(0, s + 1), p[5].slice(0, s), s > 0 ? p[5][s - 1] : -1,
          s === n ? p[0] : "");
    var sentence = p[6].slice(0, s + 1).join(", ") + (s === n ? "." : " \u2026");
    $("story-sentence").textContent = sentence;
    $("story-progress").textContent = s === 0
      ? "Start: " + V[cur][1] + ". Press Next link to follow the loop."
      : "Link " + s + " of " + n + ": " + linkText(p[5][s - 1]) +
        (s === n ? ". The loop is closed." : ".");
    $("story-prev").setAttribute("aria-disabled", s === 0 ? "true" : "false");
    $("story-next").setAttribute("aria-disabled", s === n ? "true" : "false");
    revealEl(varEls[cur]);
  }
  function startStory(k) {
    state = {kind: "story", index: k, step: 0};
    $("story-head").textContent = loopTitle(k);
    $("story-empty").hidden = true; $("story-body").hidden = false;
    frame(P[k][4]);
    storyStep(0);
    $("story-next").focus();
  }

  /* ---- search ---- */
  var search = $("q"), results = $("q-results"), qStatus = $("q-status"), MAX_HITS = 30;
  function hits(q) {
    var out = [];
    q = q.trim().toLowerCase();
    if (!q) { return out; }
    P.forEach(function (p, k) {
      if (p[0].toLowerCase() === q) { out.push(["loop", k]); }
    });
    V.forEach(function (v, i) {
      if (v[1].toLowerCase().indexOf(q) >= 0 || v[0].toLowerCase().indexOf(q) >= 0) {
        out.push(["var", i]);
      }
    });
    P.forEach(function (p, k) {
      if (p[0].toLowerCase() !== q && (p[0].toLowerCase().indexOf(q) === 0 ||
          (p[3] && p[3].toLowerCase().indexOf(q) >= 0))) { out.push(["loop", k]); }
    });
    return out;
  }
  function runSearch() {
    var found = hits(search.value);
    while (results.firstChild) { results.removeChild(results.firstChild); }
    found.slice(0, MAX_HITS).forEach(function (hit) {
      var b = hit[0] === "var"
        ? h("button", {type: "button", "data-v": String(hit[1])}, ["Variable: " + V[hit[1]][1]])
        : h("button", {type: "button", "data-k": String(hit[1])}, ["Loop " + loopTitle(hit[1])]);
      b.addEventListener("click", function () {
        if (hit[0] === "var") { selectVar(hit[1], true); } else { showLoop(hit[1], true); }
      });
      results.appendChild(h("li", {}, [b]));
    });
    qStatus.textContent = !search.value.trim() ? "" : found.length === 0 ? "No match."
      : found.length + (found.length === 1 ? " match" : " matches") +
        (found.length > MAX_HITS ? ", the first " + MAX_HITS + " shown" : "") + ".";
  }
  if (search) {
    search.addEventListener("input", runSearch);
    search.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        e.preventDefault();
        var first = results.querySelector("button");
        if (first) { first.click(); }
      } else if (e.key === "ArrowDown") {
        var b = results.querySelector("button");
        if (b) { e.preventDefault(); b.focus(); }
      }
    });
  }

  /* ---- loop filters ---- */
  function applyFilters() {
    var types = {};
    ["R", "B", "U"].forEach(function (t) { types[t] = $("f-" + t).checked; });
    var lo = parseInt($("f-min").value, 10), hi = parseInt($("f-max").value, 10);
    var v = $("f-var").value, vi = v === "" ? -1 : Number(v), shown = 0;
    rows.forEach(function (row) {
      var p = P[Number(row.getAttribute("data-k"))];
      var ok = types[p[1]] && !(p[4].length < lo) && !(p[4].length > hi) &&
               (vi < 0 || p[4].indexOf(vi) >= 0);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    $("loops-status").textContent = "Showing " + shown + " of " + plural(rows.length, "loop") +
      " listed.";
  }
  ["f-R", "f-B", "f-U", "f-min", "f-max", "f-var"].forEach(function (id) {
    var e = $(id);
    if (e) {
      e.addEventListener("input", applyFilters);
      e.addEventListener("change", applyFilters);
    }
  });
  if ($("f-clear")) {
    $("f-clear").addEventListener("click", function () {
      ["R", "B", "U"].forEach(function (t) { $("f-" + t).checked = true; });
      $("f-min").value = $("f-min").getAttribute("min");
      $("f-max").value = $("f-max").getAttribute("max");
      $("f-var").value = "";
      applyFilters();
    });
  }
  document.addEventListener("click", function (e) {
    var b = e.target.closest ? e.target.closest("button[data-act]") : null;
    if (b) {
      var k = Number(b.closest("tr").getAttribute("data-k"));
      if (b.getAttribute("data-act") === "show") {
        if (state.kind === "loop" && state.index === k) { clearAll(); } else { showLoop(k, true); }
      } else { startStory(k); }
      return;
    }
    var vb = e.target.closest ? e.target.closest("button.var-btn") : null;
    if (vb) { selectVar(Number(vb.getAttribute("data-v")), true); }
  });
  $("story-prev").addEventListener("click", function () {
    if (state.kind === "story" && state.step > 0) { storyStep(state.step - 1); }
  });
  $("story-next").addEventListener("click", function () {
    if (state.kind === "story" && state.step < P[state.index][5].length) {
      storyStep(state.step + 1);
    }
  });
  $("story-close").addEventListener("click", function () {
    var k = state.index; clearAll();
    var row = rows[k]; var b = row && row.querySelector("button[data-act=story]");
    if (b) { b.focus(); }
  });

  /* ---- pan and zoom ---- */
  var full = null, view = null, zoomText = $("zoom-level");
  function setView() {
    svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].map(function (n) {
      return Math.round(n * 100) / 100; }).join(" "));
    var pct = Math.round(full.w / view.w * 100);
    if (zoomText) { zoomText.textContent = "Zoom " + pct + " %"; }
    figure.setAttribute("data-zoom", String(pct));
  }
  function zoom(f, cx, cy) {
    var w = Math.max(full.w / 40, Math.min(full.w * 2, view.w / f));
    f = view.w / w;
    if (cx === undefined) { cx = view.x + view.w / 2; cy = view.y + view.h / 2; }
    view = {x: cx - (cx - view.x) / f, y: cy - (cy - view.y) / f, w: w, h: view.h / f};
    setView();
  }
  function pan(dx, dy) { view.x += dx; view.y += dy; setView(); }
  function fit() { view = {x: full.x, y: full.y, w: full.w, h: full.h}; setView(); }
  function scale() { var m = svg.getScreenCTM(); return m && m.a ? m.a : 1; }
  function toSvg(x, y) {
    var pt = svg.createSVGPoint(); pt.x = x; pt.y = y;
    return pt.matrixTransform(svg.getScreenCTM().inverse());
  }
  function revealEl(e) {
    if (!e || !svg) { return; }
    var r = e.getBoundingClientRect(), vr = viewport.getBoundingClientRect(), m = 20;
    if (r.left >= vr.left + m && r.right <= vr.right - m && r.top >= vr.top + m &&
        r.bottom <= vr.bottom - m) { return; }
    var s = scale();
    pan((r.left + r.width / 2 - (vr.left + vr.width / 2)) / s,
        (r.top + r.height / 2 - (vr.top + vr.height / 2)) / s);
  }
  function frame(indices) {
    /* zoom to the variables (a neighbourhood, a loop), legible but not blown up */
    if (!svg) { return; }
    var x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
    indices.forEach(function (i) {
      var e = varEls[i];
      if (!e) { return; }
      var r = e.getBoundingClientRect(), a = toSvg(r.left, r.top), b = toSvg(r.right, r.bottom);
      x1 = Math.min(x1, a.x); y1 = Math.min(y1, a.y);
      x2 = Math.max(x2, b.x); y2 = Math.max(y2, b.y);
    });
    if (x1 === Infinity) { return; }
    var cw = viewport.clientWidth || 1, ch = viewport.clientHeight || 1, aspect = cw / ch;
    var w = Math.max((x2 - x1) * 1.3, (y2 - y1) * 1.3 * aspect, cw / 2);
    w = Math.max(full.w / 40, Math.min(Math.max(full.w, full.h * aspect), w));
    view = {x: (x1 + x2) / 2 - w / 2, y: (y1 + y2) / 2 - w / aspect / 2, w: w, h: w / aspect};
    setView();
  }
  if (svg) {
    var box = svg.viewBox.baseVal;
    full = {x: box.x, y: box.y, w: box.width, h: box.height};
    svg.removeAttribute("width"); svg.removeAttribute("height");
    fit();
    var STEP = 0.15;
    /* keys in the drawing: Tab reaches one variable, arrows move to the nearest variable
       that way, Enter or Space selects it */
    svg.setAttribute("role", "group");
    varEls.forEach(function (e, i) {
      if (!e) { return; }
      e.setAttribute("tabindex", i === rove ? "0" : "-1");
      e.setAttribute("role", "button");
      /* named by its <title> (the whole label), not by aria-label: panned half out of
         view, the lines still in view are not held against the name */
    });
    var DIRS = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1]};
    function centre(e) {
      var r = e.getBoundingClientRect();
      return [r.left + r.width / 2, r.top + r.height / 2];
    }
    function nearest(i, dx, dy) {
      var c = centre(varEls[i]), best = -1, score = Infinity;
      varEls.forEach(function (e, j) {
        if (!e || j === i) { return; }
        var q = centre(e), x = q[0] - c[0], y = q[1] - c[1];
        var along = x * dx + y * dy, across = Math.abs(x * dy - y * dx);
        if (along <= 0 || across > along * 2) { return; }
        if (along + 2 * across < score) { score = along + 2 * across; best = j; }
      });
      return best;
    }
    document.querySelectorAll("[data-zoom-act]").forEach(function (b) {
      b.addEventListener("click", function () {
        var a = b.getAttribute("data-zoom-act");
        if (a === "in") { zoom(1.4); } else if (a === "out") { zoom(1 / 1.4); }
        else if (a === "fit") { fit(); }
        else if (a === "left") { pan(-view.w * STEP, 0); }
        else if (a === "right") { pan(view.w * STEP, 0); }
        else if (a === "up") { pan(0, -view.h * STEP); }
        else if (a === "down") { pan(0, view.h * STEP); }
      });
    });
    viewport.addEventListener("keydown", function (e) {
      var done = true, onVar = e.target.closest ? e.target.closest("[data-var]") : null;
      var i = onVar ? Number(onVar.id.slice(prefix.length + 1)) : -1;
      if (onVar && DIRS[e.key]) {
        var j = nearest(i, DIRS[e.key][0], DIRS[e.key][1]);
        if (j >= 0) { setRove(j); varEls[j].focus(); revealEl(varEls[j]); }
      } else if (onVar && (e.key === "Enter" || e.key === " ")) {
        if (state.kind === "var" && state.index === i) { clearAll(); } else { selectVar(i, false); }
      } else if (e.key === "ArrowLeft") { pan(-view.w * STEP, 0); }
      else if (e.key === "ArrowRight") { pan(view.w * STEP, 0); }
      else if (e.key === "ArrowUp") { pan(0, -view.h * STEP); }
      else if (e.key === "ArrowDown") { pan(0, view.h * STEP); }
      else if (e.key === "+" || e.key === "=") { zoom(1.4); }
      else if (e.key === "-" || e.key === "_") { zoom(1 / 1.4); }
      else if (e.key === "0") { fit(); }
      else if (e.key === "Escape") { clearAll(); }
      else { done = false; }
      if (done) { e.preventDefault(); }
    });
    viewport.addEventListener("wheel", function (e) {
      e.preventDefault();
      var p = toSvg(e.clientX, e.clientY);
      zoom(Math.exp(-e.deltaY * 0.002), p.x, p.y);
    }, {passive: false});
    var drag = null, dragged = false;
    viewport.addEventListener("pointerdown", function (e) {
      if (e.button !== 0) { return; }
      drag = {x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, s: scale(), id: e.pointerId,
              moving: false};
    });
    viewport.addEventListener("pointermove", function (e) {
      if (!drag) { return; }
      var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (!drag.moving && Math.abs(dx) + Math.abs(dy) > 4) {
        drag.moving = true; viewport.setPointerCapture(drag.id);
        viewport.classList.add("dragging");
      }
      if (drag.moving) {
        view.x = drag.vx - dx / drag.s; view.y = drag.vy - dy / drag.s; setView();
      }
    });
    function endDrag() {
      if (drag && drag.moving) { dragged = true; viewport.classList.remove("dragging"); }
      drag = null;
    }
    viewport.addEventListener("pointerup", endDrag);
    viewport.addEventListener("pointercancel", endDrag);
    svg.addEventListener("click", function (e) {
      if (dragged) { dragged = false; return; }
      var v = e.target.closest("[data-var]"), badge = e.target.closest("[data-loop]");
      if (v) {
        var i = Number(v.id.slice(prefix.length + 1));
        if (state.kind === "var" && state.index === i) { clearAll(); } else { selectVar(i, false); }
      } else if (badge) {
        var id = badge.getAttribute("data-loop");
        P.forEach(function (p, k) { if (p[0] === id) { showLoop(k, false); } });
      } else { clearAll(); }
    });
    var saved = null;
    window.addEventListener("beforeprint", function () { saved = view; fit(); });
    window.addEventListener("afterprint", function () { if (saved) { view = saved; setView(); } });
  }
  applyFilters();
})();
