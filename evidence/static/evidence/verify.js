/* Public verification page (no dependencies, ES2020).
 *
 * 1. A chosen file is hashed HERE with Web Crypto (crypto.subtle.digest("SHA-256")); only the
 *    hash is sent, to the public API (/api/v1/evidence/verify/?sha256=<hex>).
 * 2. The answer is not trusted: this script checks it.
 *    - The checkpoint (a C2SP signed note) gives the tree size and root. They are read from
 *      the signed text only, never from anything else in the answer.
 *    - Its Ed25519 signature is checked with the published key where the browser supports
 *      Ed25519 in Web Crypto; otherwise the page says the signature was not checked.
 *    - Each record's leaf (base64 -> UTF-8 lines) must name this content's SHA-256.
 *    - Leaf hash = SHA-256(0x00 || leaf). The root is recomputed from the inclusion proof
 *      with RFC 9162 section 2.1.3.2 and must equal the checkpoint's root.
 * Without JavaScript, or when the API cannot be reached, the form is submitted and the
 * server runs the same checks (evidence.tlog) and renders the result.
 */
(() => {
  "use strict";

  const form = document.getElementById("verify-form");
  if (!form) { return; }
  const fileGroup = document.getElementById("verify-file-group");
  const fileInput = document.getElementById("verify-file");
  const hashInput = form.elements.sha256;
  const statusLine = document.getElementById("verify-status");
  const output = document.getElementById("verify-result");
  const keyOutput = document.getElementById("public-key");
  const apiUrl = form.dataset.apiUrl;
  const subtle = window.crypto && window.crypto.subtle;

  const strings = {};
  const template = document.getElementById("verify-strings");
  if (template) {
    template.content.querySelectorAll("[data-key]").forEach((el) => {
      strings[el.dataset.key] = el.textContent.trim();
    });
  }
  const t = (key, values = {}) =>
    (strings[key] || key).replace(/\{(\w+)\}/g, (match, name) =>
      name in values ? String(values[name]) : match);

  // --- bytes and hashes ------------------------------------------------------------------

  const LEAF_HEADER = "yiqizheng/leaf/v1";
  const encoder = new TextEncoder();
  const toHex = (bytes) =>
    Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

  function fromBase64(text) {
    if (typeof text !== "string" || text.length % 4 !== 0 ||
        !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
      throw new Error("invalid base64");
    }
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  }

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  const sha256 = async (bytes) => new Uint8Array(await subtle.digest("SHA-256", bytes));
  const leafHash = (leaf) => sha256(concat(Uint8Array.of(0), leaf));
  const nodeHash = (left, right) => sha256(concat(Uint8Array.of(1), left, right));
  const sameBytes = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
  const half = (n) => Math.floor(n / 2); // sizes exceed 2**31: no bit operators

  // RFC 9162 section 2.1.3.2: the root that the inclusion proof leads to.
  async function rootFromInclusion(index, size, hash, proof) {
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new Error(`leaf index ${index} is not inside a tree of size ${size}`);
    }
    let fn = index;
    let sn = size - 1;
    let r = hash;
    for (const p of proof) {
      if (sn === 0) { throw new Error("the inclusion proof is too long"); }
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        while (fn % 2 === 0 && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn = half(fn);
      sn = half(sn);
    }
    if (sn !== 0) { throw new Error("the inclusion proof is too short"); }
    return r;
  }

  // --- signed checkpoint -----------------------------------------------------------------

  function parseCheckpoint(note) {
    const split = note.lastIndexOf("\n\n");
    if (split < 0) { throw new Error("the checkpoint has no signatures"); }
    const text = note.slice(0, split + 1);
    const lines = text.slice(0, -1).split("\n");
    if (lines.length < 3) { throw new Error("the checkpoint needs origin, size and root"); }
    const [origin, sizeText, rootText] = lines;
    if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
      throw new Error("the checkpoint's tree size is not a decimal number");
    }
    const root = fromBase64(rootText);
    if (root.length !== 32) { throw new Error("the checkpoint's root is not 32 bytes"); }
    const signatures = note.slice(split + 2).split("\n").filter(Boolean).map((line) => {
      const match = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!match) { throw new Error("malformed signature line"); }
      return { name: match[1], blob: fromBase64(match[2]) };
    });
    return { text, origin, size: Number(sizeText), root, signatures };
  }

  // "<name>+<8 hex key id>+<base64(0x01 || 32-byte Ed25519 key)>" (C2SP signed-note).
  async function parseKey(vkey) {
    const first = vkey.indexOf("+");
    const second = vkey.indexOf("+", first + 1);
    if (first < 1 || second < 0) { throw new Error("malformed public key"); }
    const name = vkey.slice(0, first);
    const idText = vkey.slice(first + 1, second);
    const key = fromBase64(vkey.slice(second + 1));
    if (!/^[0-9a-f]{8}$/.test(idText) || key.length !== 33 || key[0] !== 1) {
      throw new Error("the published key is not an Ed25519 note key");
    }
    const material = concat(encoder.encode(name + "\n"), key);
    const keyId = toHex((await sha256(material)).slice(0, 4));
    if (keyId !== idText) { throw new Error("the published key's ID does not match the key"); }
    return { name, keyId, publicKey: key.slice(1) };
  }

  // Returns "verified" or "unsupported"; throws when the signature is wrong or missing.
  async function checkSignature(checkpoint, vkey) {
    const key = await parseKey(vkey);
    if (checkpoint.origin !== key.name) {
      throw new Error(`the checkpoint is for the log ${checkpoint.origin}, not ${key.name}`);
    }
    const signature = checkpoint.signatures.find(
      (s) => s.name === key.name && s.blob.length === 68 && toHex(s.blob.slice(0, 4)) === key.keyId,
    );
    if (!signature) { throw new Error("no signature by the published key"); }
    let cryptoKey;
    try {
      cryptoKey = await subtle.importKey("raw", key.publicKey, { name: "Ed25519" }, false,
        ["verify"]);
    } catch (error) {
      return "unsupported";
    }
    const ok = await subtle.verify({ name: "Ed25519" }, cryptoKey, signature.blob.slice(4),
      encoder.encode(checkpoint.text));
    if (!ok) { throw new Error("the signature does not match the checkpoint"); }
    return "verified";
  }

  // --- leaves ----------------------------------------------------------------------------

  function parseLeaf(bytes) {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    if (!text.endsWith("\n")) { throw new Error("the leaf must end with a newline"); }
    const lines = text.slice(0, -1).split("\n");
    if (lines[0] !== LEAF_HEADER) { throw new Error("not a Yiqizheng ledger leaf"); }
    const fields = { type: (lines[1] || "").replace(/^type /, "") };
    for (const line of lines.slice(2)) {
      const space = line.indexOf(" ");
      if (space < 1) { throw new Error("malformed leaf line"); }
      fields[line.slice(0, space)] = line.slice(space + 1);
    }
    return fields;
  }

  async function checkRecord(item, hash, checkpoint, checkpointProblem) {
    const leaf = fromBase64(item.leaf);
    const fields = parseLeaf(leaf);
    if (fields.type !== "deposit" || fields.sha256 !== hash) {
      return { fields, status: "failed", problem: t("leafMismatch") };
    }
    if (!item.in_checkpoint) { return { fields, status: "pending" }; }
    if (!checkpoint) {
      return { fields, status: "failed", problem: checkpointProblem || t("noCheckpoint") };
    }
    const proof = item.proof.map(fromBase64);
    const root = await rootFromInclusion(item.ledger_index, checkpoint.size,
      await leafHash(leaf), proof);
    if (!sameBytes(root, checkpoint.root)) {
      return { fields, status: "failed", problem: "the proof does not lead to the signed root" };
    }
    return { fields, status: "verified" };
  }

  // --- rendering (textContent only: nothing from the answer is parsed as HTML) ------------

  const lang = document.documentElement.lang || undefined;
  const beijing = new Intl.DateTimeFormat(lang, {
    timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  });
  // Leaf times carry microseconds; Date parses milliseconds reliably.
  const showTime = (iso) =>
    beijing.format(new Date(String(iso).replace(/(\.\d{3})\d*(Z|[+-]\d\d:\d\d)$/, "$1$2")));

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function alertBox(kind, title, message, hash) {
    const box = el("div", `alert alert-${kind}`);
    box.setAttribute("role", "status");
    box.append(el("strong", "", title), " ", message);
    if (hash) { box.append(el("div", "mono small text-break", hash)); }
    return box;
  }

  function recordCard(item, checked, checkpoint) {
    const card = el("div", "card mb-2 verify-record");
    card.dataset.status = checked.status;
    const body = el("div", "card-body");
    body.append(el("h2", "h6 mono", checked.fields.number || item.number));
    const list = el("dl", "row small mb-2");
    const add = (label, value) => {
      list.append(el("dt", "col-sm-4", label));
      const dd = el("dd", "col-sm-8");
      dd.append(...(Array.isArray(value) ? value : [value]));
      list.append(dd);
    };
    add(t("depositedAt"), `${showTime(checked.fields.time || item.deposited_at)} ${t("beijing")}`);
    add(t("ledgerIndex"), String(item.ledger_index));
    add(t("treeSize"), item.in_checkpoint && checkpoint ? String(checkpoint.size) : "—");
    add(t("size"), `${checked.fields.size || item.size} ${t("bytes")}`);
    add(t("status"), item.withdrawn_at
      ? [el("span", "badge text-bg-warning", t("withdrawn")), " ", showTime(item.withdrawn_at)]
      : t("notWithdrawn"));
    body.append(list);
    if (checked.status === "verified") {
      body.append(el("p", "mb-0 small text-success", t("proofOk")));
    } else if (checked.status === "pending") {
      body.append(el("p", "mb-0 small text-body-secondary", t("proofPending")));
    } else {
      body.append(el("p", "mb-0 small text-danger", `${t("proofFailed")} ${checked.problem}`));
    }
    card.append(body);
    return card;
  }

  async function show(answer, hash) {
    const nodes = [];
    if (!answer.found) {
      output.replaceChildren(alertBox("secondary", t("notFoundTitle"), t("notFound"), hash));
      return;
    }
    nodes.push(alertBox("success", t("foundTitle"), t("found"), hash));
    let checkpoint = null;
    let checkpointProblem = "";
    const signature = el("p", "small");
    signature.id = "signature-status";
    if (answer.checkpoint) {
      try {
        checkpoint = parseCheckpoint(answer.checkpoint);
        const result = await checkSignature(checkpoint, answer.public_key);
        signature.dataset.status = result;
        signature.textContent = result === "verified"
          ? t("sigOk", { size: checkpoint.size })
          : t("sigUnsupported");
      } catch (error) {
        checkpoint = null;
        checkpointProblem = `${t("sigFailed")} ${error.message}`;
        signature.dataset.status = "failed";
        signature.className = "small text-danger";
        signature.textContent = checkpointProblem;
      }
    } else {
      signature.textContent = t("noCheckpoint");
    }
    nodes.push(signature);
    for (const item of answer.records) {
      let checked;
      try {
        checked = await checkRecord(item, hash, checkpoint, checkpointProblem);
      } catch (error) {
        checked = { fields: {}, status: "failed", problem: error.message };
      }
      nodes.push(recordCard(item, checked, checkpoint));
    }
    if (keyOutput) { keyOutput.textContent = answer.public_key; }
    output.replaceChildren(...nodes);
  }

  // --- the form ----------------------------------------------------------------------------

  async function verify(hash) {
    statusLine.textContent = t("asking");
    let response;
    try {
      response = await fetch(`${apiUrl}?sha256=${encodeURIComponent(hash)}`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
    } catch (error) {
      response = null;
    }
    if (response && response.status === 429) {
      const seconds = response.headers.get("Retry-After") || "60";
      statusLine.textContent = "";
      output.replaceChildren(alertBox("warning", "", t("rateLimited", { seconds })));
      return;
    }
    if (!response || !response.ok) {
      // The API is not reachable: let the server check it and render the page instead.
      hashInput.value = hash;
      form.submit();
      return;
    }
    const answer = await response.json();
    statusLine.textContent = "";
    await show(answer, hash);
  }

  async function hashFile(file) {
    statusLine.textContent = t("hashing");
    try {
      const digest = await sha256(new Uint8Array(await file.arrayBuffer()));
      return toHex(digest);
    } catch (error) {
      statusLine.textContent = t("readFailed");
      return null;
    }
  }

  if (!subtle) { return; } // no Web Crypto (e.g. plain http): the server-side form still works
  fileGroup.hidden = false;

  fileInput.addEventListener("change", async () => {
    if (!fileInput.files.length) { return; }
    const hash = await hashFile(fileInput.files[0]);
    if (!hash) { return; }
    hashInput.value = hash;
    hashInput.classList.remove("is-invalid");
    await verify(hash);
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let hash = hashInput.value.trim().toLowerCase();
    if (!hash && fileInput.files.length) {
      hash = await hashFile(fileInput.files[0]);
      if (!hash) { return; }
      hashInput.value = hash;
    }
    if (!/^[0-9a-f]{64}$/.test(hash)) {
      hashInput.classList.add("is-invalid");
      statusLine.textContent = "";
      output.replaceChildren(alertBox("danger", "", t("badHash")));
      return;
    }
    hashInput.classList.remove("is-invalid");
    await verify(hash);
  });
})();
