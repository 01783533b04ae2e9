// The API answers: routes a request path to the JSON of the matching PVE endpoint.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "json_writer.hpp"
#include "model.hpp"

namespace pvex::sim {

struct ApiRequest {
  std::string path;  // relative to /api2/json, without the query string
  std::multimap<std::string, std::string> params;

  /// The query parameter's value, or `fallback` when absent.
  std::string param(const std::string& name, std::string fallback = {}) const;
  bool flag(const std::string& name) const;  // "1" (PVE bool01)
};

struct ApiResponse {
  int status = 200;
  std::string body;
};

/// {"data": <data_json>} with HTTP 200.
ApiResponse ok(std::string_view data_json);
/// PVE's error shape: {"data":null,"message":"<message>\n"} with the given status.
ApiResponse api_error(int status, std::string_view message);

/// Answers endpoints that do not address a node (/version, /cluster/..., /nodes).
/// nullopt when the path is not one of them.
std::optional<ApiResponse> answer_cluster(const Cluster& cluster, const SimTime& time,
                                          const ApiRequest& request);

/// Answers /nodes/{node}/<rest> for an online node; nullopt when `rest` is not known.
std::optional<ApiResponse> answer_node(const Cluster& cluster, const SimTime& time,
                                       const Node& node, std::string_view rest,
                                       const ApiRequest& request);

/// GET /nodes/{node}/qemu or /lxc: the status objects of that node's guests (`full`: QMP fields).
ApiResponse answer_guest_list(const Cluster& cluster, const SimTime& time, const Node& node,
                              GuestType type, bool full);

/// /nodes/{node}/{qemu|lxc}/{vmid}/<rest> for rest = status/current, config, snapshot and
/// (QEMU) agent/get-fsinfo; nullopt for other `rest`. A guest not on `node` is PVE's 500.
std::optional<ApiResponse> answer_guest(const Cluster& cluster, const SimTime& time,
                                        const Node& node, GuestType type, std::string_view vmid,
                                        std::string_view rest);

// Derived values shared by the renderers (counters grow with SimTime).
double guest_uptime(const Guest& g, const SimTime& t);
uint64_t guest_net_in(const Guest& g, const SimTime& t);
uint64_t guest_net_out(const Guest& g, const SimTime& t);
uint64_t guest_disk_read(const Guest& g, const SimTime& t);
uint64_t guest_disk_write(const Guest& g, const SimTime& t);
double node_uptime(const Node& n, const SimTime& t);
uint64_t counter(double rate, double seconds);

/// Writes the status object of a guest (the list entry of /nodes/{node}/qemu|lxc).
/// `full` adds the QMP-derived fields; `with_ha` the `ha` object of status/current.
void write_guest_status(JsonWriter& w, const Cluster& c, const Guest& g, const SimTime& t,
                        bool full, bool with_ha);

}  // namespace pvex::sim
