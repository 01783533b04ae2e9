// Shared pieces of the API answers: envelopes, request parameters, counters derived from time.
#include <cmath>

#include "render.hpp"

namespace pvex::sim {

std::string ApiRequest::param(const std::string& name, std::string fallback) const {
  auto it = params.find(name);
  return it == params.end() ? fallback : it->second;
}

bool ApiRequest::flag(const std::string& name) const {
  return param(name) == "1";
}

ApiResponse ok(std::string_view data_json) {
  std::string body;
  body.reserve(data_json.size() + 10);
  body += "{\"data\":";
  body += data_json;
  body += '}';
  return ApiResponse{200, std::move(body)};
}

ApiResponse api_error(int status, std::string_view message) {
  std::string body = "{\"data\":null,\"message\":";
  append_json_string(body, std::string(message) + "\n");
  body += '}';
  return ApiResponse{status, std::move(body)};
}

uint64_t counter(double rate, double seconds) {
  if (seconds <= 0 || rate <= 0) return 0;
  return static_cast<uint64_t>(std::floor(rate * seconds));
}

double guest_uptime(const Guest& g, const SimTime& t) {
  return g.running ? std::max(0.0, std::floor(g.uptime_base + t.elapsed)) : 0.0;
}

uint64_t guest_net_in(const Guest& g, const SimTime& t) {
  uint64_t sum = 0;
  for (const GuestNic& nic : g.nics) sum += counter(nic.in_rate, guest_uptime(g, t));
  return sum;
}

uint64_t guest_net_out(const Guest& g, const SimTime& t) {
  uint64_t sum = 0;
  for (const GuestNic& nic : g.nics) sum += counter(nic.out_rate, guest_uptime(g, t));
  return sum;
}

uint64_t guest_disk_read(const Guest& g, const SimTime& t) {
  if (g.type == GuestType::lxc) return counter(g.read_rate, guest_uptime(g, t));
  uint64_t sum = 0;
  for (const GuestDrive& d : g.drives) sum += counter(d.rd_rate, guest_uptime(g, t));
  return sum;
}

uint64_t guest_disk_write(const Guest& g, const SimTime& t) {
  if (g.type == GuestType::lxc) return counter(g.write_rate, guest_uptime(g, t));
  uint64_t sum = 0;
  for (const GuestDrive& d : g.drives) sum += counter(d.wr_rate, guest_uptime(g, t));
  return sum;
}

double node_uptime(const Node& n, const SimTime& t) {
  return std::max(0.0, std::floor(n.uptime_base + t.elapsed));
}

}  // namespace pvex::sim
