// disks/zfs parsers over simdjson's DOM with error codes; nothing simdjson-typed leaves here.
#include "pve/disks_zfs.hpp"

#include <simdjson.h>

#include "util/strings.hpp"

namespace pvex::pve {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

constexpr int k_max_depth = 32;

/// Parses `json` and returns its `data` member, or a parse error.
Result<element> data_of(simdjson::dom::parser& parser, const simdjson::padded_string& json) {
  element root;
  if (parser.parse(json).get(root) != simdjson::SUCCESS)
    return fail(ErrorKind::parse, "malformed JSON");
  element data;
  if (root["data"].get(data) != simdjson::SUCCESS)
    return fail(ErrorKind::parse, "no 'data' member");
  return data;
}

/// A number, or a string holding one (PVE is loose about this); nullopt otherwise.
std::optional<double> number_of(object o, std::string_view key) {
  element e;
  if (o[key].get(e) != simdjson::SUCCESS) return std::nullopt;
  double d = 0;
  if (e.get_double().get(d) == simdjson::SUCCESS) return d;
  int64_t i = 0;
  if (e.get_int64().get(i) == simdjson::SUCCESS) return static_cast<double>(i);
  uint64_t u = 0;
  if (e.get_uint64().get(u) == simdjson::SUCCESS) return static_cast<double>(u);
  std::string_view s;
  if (e.get_string().get(s) == simdjson::SUCCESS) return util::parse_double(util::trim(s));
  return std::nullopt;
}

std::string string_of(object o, std::string_view key) {
  std::string_view s;
  if (o[key].get_string().get(s) != simdjson::SUCCESS) return {};
  return std::string(s);
}

Result<std::vector<ZfsTreeNode>> parse_children(object o, int depth) {
  std::vector<ZfsTreeNode> out;
  simdjson::dom::array children;
  if (o["children"].get_array().get(children) != simdjson::SUCCESS) return out;
  if (depth > k_max_depth) return fail(ErrorKind::parse, "zpool tree too deep");
  for (element child : children) {
    object c;
    if (child.get_object().get(c) != simdjson::SUCCESS) continue;
    ZfsTreeNode n;
    n.name = string_of(c, "name");
    n.state = string_of(c, "state");
    n.read = number_of(c, "read");
    n.write = number_of(c, "write");
    n.cksum = number_of(c, "cksum");
    n.msg = string_of(c, "msg");
    Result<std::vector<ZfsTreeNode>> sub = parse_children(c, depth + 1);
    if (!sub) return fail(sub.error());
    n.children = std::move(*sub);
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace

Result<std::vector<ZfsPoolSummary>> parse_disks_zfs(std::string_view json) {
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(json);
  Result<element> data = data_of(parser, padded);
  if (!data) return fail(data.error());
  simdjson::dom::array pools;
  if (data->get_array().get(pools) != simdjson::SUCCESS)
    return fail(ErrorKind::parse, "'data' is not an array");
  std::vector<ZfsPoolSummary> out;
  for (element e : pools) {
    object o;
    if (e.get_object().get(o) != simdjson::SUCCESS)
      return fail(ErrorKind::parse, "pool entry is not an object");
    ZfsPoolSummary p;
    p.name = string_of(o, "name");
    if (p.name.empty()) return fail(ErrorKind::parse, "pool entry without 'name'");
    p.size_bytes = number_of(o, "size");
    p.alloc_bytes = number_of(o, "alloc");
    p.free_bytes = number_of(o, "free");
    p.frag_percent = number_of(o, "frag");
    p.dedup_ratio = number_of(o, "dedup");
    p.health = string_of(o, "health");
    out.push_back(std::move(p));
  }
  return out;
}

Result<ZfsPoolDetail> parse_disks_zfs_detail(std::string_view json) {
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(json);
  Result<element> data = data_of(parser, padded);
  if (!data) return fail(data.error());
  object o;
  if (data->get_object().get(o) != simdjson::SUCCESS)
    return fail(ErrorKind::parse, "'data' is not an object");
  ZfsPoolDetail d;
  d.name = string_of(o, "name");
  d.state = string_of(o, "state");
  d.status = string_of(o, "status");
  d.action = string_of(o, "action");
  d.scan = string_of(o, "scan");
  d.errors = string_of(o, "errors");
  Result<std::vector<ZfsTreeNode>> children = parse_children(o, 1);
  if (!children) return fail(children.error());
  d.children = std::move(*children);
  return d;
}

std::optional<uint64_t> data_errors_of(std::string_view errors) {
  errors = util::trim(errors);
  if (errors == "No known data errors") return 0;
  const std::vector<std::string_view> words = util::split_ws(errors);
  if (words.size() >= 3 && words[1] == "data" && util::starts_with(words[2], "error"))
    return util::parse_uint(words[0]);
  return std::nullopt;
}

std::string disks_zfs_path(std::string_view node, std::string_view pool) {
  auto encode = [](std::string_view s) {
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
      const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
      if (plain) {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += k_hex[c >> 4];
        out += k_hex[c & 15];
      }
    }
    return out;
  };
  std::string path = "/nodes/" + encode(node) + "/disks/zfs";
  if (!pool.empty()) path += "/" + encode(pool);
  return path;
}

}  // namespace pvex::pve
