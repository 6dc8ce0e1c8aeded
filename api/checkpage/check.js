"use strict";
// The token doctor's page: it sends the form to POST /v1/tokens/check,
// as any client would, and draws the answer. Every text goes in through
// textContent, never as markup.
(function () {
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // request builds the body the form describes; empty fields say nothing.
  function request() {
    const body = { token: $("token").value.trim() };
    const channel = $("channel").value;
    if (channel) body.channel = channel;
    const user = $("user").value;
    const kind = $("userKind").value;
    // A uid that is not a number goes as typed, for the server to refuse
    // with a message naming uid.
    if (kind === "uid" && user !== "") body.uid = /^\d+$/.test(user) ? Number(user) : user;
    if (kind === "account" && user !== "") body.account = user;
    if ($("role").value) body.role = $("role").value;
    if ($("rtmUserId").value) body.rtmUserId = $("rtmUserId").value;
    if ($("at").value.trim()) body.at = $("at").value.trim();
    return body;
  }

  async function check(event) {
    event.preventDefault();
    const headers = { "Content-Type": "application/json", Accept: "application/json" };
    const key = $("apiKey").value.trim();
    if (key) headers.Authorization = "Bearer " + key;
    let answer;
    try {
      const res = await fetch("/v1/tokens/check", { method: "POST", headers, body: JSON.stringify(request()) });
      answer = await res.json();
      if (!res.ok) {
        showRequestError(answer);
        return;
      }
    } catch (err) {
      showRequestError({ detail: String(err) });
      return;
    }
    show(answer);
  }

  function showRequestError(p) {
    $("result").hidden = false;
    $("anatomy").hidden = true;
    $("verdict").textContent = "The request was refused: " + (p.detail || p.title || "unknown error");
    $("verdict").className = "bad";
    $("problems").replaceChildren();
  }

  function show(d) {
    $("result").hidden = false;
    $("verdict").textContent = d.ok
      ? "No problem found: Agora should accept this token for what the client does."
      : d.problems.length + (d.problems.length === 1 ? " problem" : " problems") + ": Agora would refuse this token.";
    $("verdict").className = d.ok ? "ok" : "bad";
    const list = $("problems");
    list.replaceChildren();
    for (const p of d.problems) {
      const li = el("li");
      li.dataset.check = p.check;
      li.append(el("span", p.check, "check"), " ", el("span", p.message, "message"));
      li.append(el("p", "Fix: " + p.fix, "fix"));
      if (p.sdkErrors && p.sdkErrors.length) li.append(el("p", "The SDK reports: " + p.sdkErrors.join("; "), "sdk"));
      list.append(li);
    }
    if (!d.inspection) {
      $("anatomy").hidden = true;
      return;
    }
    anatomy(d.inspection, new Date(d.at));
  }

  function whom(s) {
    const parts = [];
    if (s.channel) parts.push("channel " + s.channel);
    if (s.uid === 0) parts.push("any uid");
    else if (s.uid !== undefined) parts.push("uid " + s.uid);
    if (s.account) parts.push("account " + s.account);
    if (s.userId) parts.push("user " + s.userId);
    if (s.roomUuid) parts.push("room " + s.roomUuid);
    if (s.userUuid) parts.push("user " + s.userUuid);
    return parts.join(", ");
  }

  function anatomy(ins, at) {
    $("anatomy").hidden = false;
    const facts = $("facts");
    facts.replaceChildren();
    for (const [k, v] of [
      ["Version", ins.version],
      ["App ID", ins.appId],
      ["Signature", ins.signature + (ins.note ? ": " + ins.note : "")],
      ["Issued", ins.issuedAt],
      ["Expires", ins.expiresAt + (ins.expired ? " (expired)" : "")],
      ["Renew at", ins.renewAt],
    ]) facts.append(el("dt", k), el("dd", v));
    const body = $("services").tBodies[0];
    body.replaceChildren();
    for (const s of ins.services) {
      for (const p of s.privileges) {
        const tr = el("tr");
        tr.append(el("td", s.service), el("td", whom(s)), el("td", p.name), el("td", p.expiresAt));
        body.append(tr);
      }
    }
    $("lifetimes").replaceChildren(timeline(ins, at));
  }

  // timeline draws each privilege as a bar from the issue time to its
  // expiry, the token's own lifetime above them, and a line at the time
  // the token is judged at.
  function timeline(ins, at) {
    const rows = [{ label: "token", until: new Date(ins.expiresAt), token: true }];
    for (const s of ins.services) for (const p of s.privileges) rows.push({ label: s.service + " " + p.name, until: new Date(p.expiresAt) });
    const issued = new Date(ins.issuedAt);
    const from = Math.min(issued, at);
    const to = Math.max(...rows.map((r) => r.until), at);
    const left = 140, width = 500, rowH = 22, top = 24, right = 80;
    const x = (t) => left + ((t - from) / Math.max(to - from, 1)) * width;
    const height = top + rows.length * rowH + 30;
    const root = svg("svg", { viewBox: `0 0 ${left + width + right} ${height}`, role: "img", "aria-label": "lifetimes of the token and its privileges" });
    rows.forEach((r, i) => {
      const y = top + i * rowH;
      root.append(svg("text", { x: 0, y: y + 14, class: "label" }, r.label));
      const cls = r.token ? "token" : r.until <= at ? "bar lapsed" : "bar";
      const bar = svg("rect", { x: x(issued), y: y + 3, width: Math.max(x(r.until) - x(issued), 1), height: rowH - 8, class: cls });
      bar.append(svg("title", {}, r.label + " until " + r.until.toISOString()));
      root.append(bar);
      root.append(svg("text", { x: x(r.until) + 4, y: y + 14, class: "tick" }, r.until.toISOString().slice(11, 19)));
    });
    const axisY = top + rows.length * rowH + 4;
    root.append(svg("line", { x1: left, y1: axisY, x2: left + width, y2: axisY, class: "axis" }));
    root.append(svg("text", { x: x(issued), y: axisY + 16, class: "tick" }, "issued " + issued.toISOString().slice(11, 16)));
    root.append(svg("text", { x: left + width, y: axisY + 16, "text-anchor": "end", class: "tick" }, new Date(to).toISOString().slice(0, 16).replace("T", " ")));
    root.append(svg("line", { x1: x(at), y1: 8, x2: x(at), y2: axisY, class: "now" }));
    root.append(svg("text", { x: x(at), y: 12, "text-anchor": "middle", class: "nowLabel" }, "at " + at.toISOString().slice(11, 19)));
    return root;
  }

  $("ask").addEventListener("submit", check);
})();
