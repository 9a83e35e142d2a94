// Draws the API docs from /api/v1/openapi.json: no framework, no CDN, no inline script (CSP).
(function () {
  "use strict";
  var root = document.getElementById("api-docs");
  if (!root) { return; }
  var en = root.getAttribute("data-lang") === "en";
  var T = function (zh, english) { return en ? english : zh; };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function resolve(spec, obj) {
    while (obj && obj.$ref) {
      obj = obj.$ref.replace(/^#\//, "").split("/").reduce(function (o, k) { return o && o[k]; }, spec);
    }
    return obj || {};
  }

  function typeOf(spec, schema) {
    if (schema.$ref) { return schema.$ref.split("/").pop(); }
    if (schema.anyOf) { return schema.anyOf.map(function (s) { return typeOf(spec, s); }).join(" | "); }
    if (schema.type === "array") { return typeOf(spec, schema.items || {}) + "[]"; }
    var t = schema.type || "object";
    if (schema.format) { t += " (" + schema.format + ")"; }
    if (schema.enum) { t += ": " + schema.enum.join(", "); }
    return t;
  }

  function limits(schema) {
    var out = [];
    ["minimum", "maximum", "minLength", "maxLength", "pattern", "default"].forEach(function (k) {
      if (schema[k] !== undefined) { out.push(k + "=" + JSON.stringify(schema[k])); }
    });
    return out.join(" ");
  }

  function fieldTable(spec, schema) {
    schema = resolve(spec, schema);
    var props = schema.properties || {};
    var required = schema.required || [];
    var rows = Object.keys(props).map(function (name) {
      var p = props[name];
      return el("tr", {}, [
        el("td", {}, [el("code", {}, [name])]),
        el("td", {}, [typeOf(spec, p)]),
        el("td", {}, [required.indexOf(name) >= 0 ? T("必填", "required") : ""]),
        el("td", {}, [(p.description || "") + (limits(p) ? "  " + limits(p) : "")])
      ]);
    });
    if (!rows.length) { return el("p", {}, [typeOf(spec, schema)]); }
    var head = el("tr", {}, [T("字段", "field"), T("类型", "type"), T("必填", "required"), T("说明", "notes")].map(function (h) {
      return el("th", {}, [h]);
    }));
    return el("table", {}, [head].concat(rows));
  }

  function operation(spec, path, method, op) {
    var box = el("section", {"class": "api-op", id: op.operationId || ""}, [
      el("h2", {}, [el("span", {"class": "api-method api-method-" + method}, [method]), path]),
      el("p", {}, [el("span", {"class": "api-summary"}, [op.summary || ""])])
    ]);
    if (op.description) { box.appendChild(el("p", {}, [op.description])); }
    var secured = (op.security || []).some(function (s) { return Object.keys(s).length > 0; });
    box.appendChild(el("p", {"class": "api-auth"}, [secured ? T("需要 Bearer 令牌", "Bearer token") : T("公开", "Public")]));
    var params = (op.parameters || []).map(function (p) { return resolve(spec, p); });
    if (params.length) {
      box.appendChild(el("h3", {}, [T("参数", "Parameters")]));
      box.appendChild(fieldTable(spec, {
        properties: params.reduce(function (acc, p) {
          acc[p.name] = Object.assign({}, p.schema, {description: p["in"] + (p.description ? ": " + p.description : "")});
          return acc;
        }, {}),
        required: params.filter(function (p) { return p.required; }).map(function (p) { return p.name; })
      }));
    }
    if (op.requestBody) {
      var content = op.requestBody.content || {};
      Object.keys(content).forEach(function (type) {
        box.appendChild(el("h3", {}, [T("请求体", "Body") + " (" + type + ")"]));
        box.appendChild(fieldTable(spec, content[type].schema || {}));
      });
    }
    box.appendChild(el("h3", {}, [T("响应", "Responses")]));
    var rows = Object.keys(op.responses || {}).map(function (status) {
      var r = resolve(spec, op.responses[status]);
      var json = (r.content || {})["application/json"];
      return el("tr", {}, [el("td", {}, [el("code", {}, [status])]), el("td", {}, [r.description || ""]),
        el("td", {}, [json ? typeOf(spec, json.schema || {}) : ""])]);
    });
    box.appendChild(el("table", {}, rows));
    return box;
  }

  fetch(root.getAttribute("data-spec"), {headers: {"Accept": "application/json"}})
    .then(function (r) { return r.json(); })
    .then(function (spec) {
      root.textContent = "";
      Object.keys(spec.paths).forEach(function (path) {
        Object.keys(spec.paths[path]).forEach(function (method) {
          root.appendChild(operation(spec, path, method, spec.paths[path][method]));
        });
      });
      var schemas = (spec.components || {}).schemas || {};
      root.appendChild(el("h2", {}, [T("数据结构", "Schemas")]));
      Object.keys(schemas).forEach(function (name) {
        root.appendChild(el("section", {"class": "api-op", id: "schema-" + name}, [el("h2", {}, [name]),
          fieldTable(spec, schemas[name])]));
      });
    })
    .catch(function (err) { root.textContent = T("文档加载失败：", "Could not load the document: ") + err; });
}());
