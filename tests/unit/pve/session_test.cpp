// Tests of pve::Session and fetch_per_node: one fetch per path whatever mix of raw and parsed
// consumers, gzip answers decoded on use (errors memoised), the parse-slot bound, per-node
// failures and parsing as answers arrive. Fake FetchFns only; no sleeps decide an outcome.
#include "pve/session.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "http/server.hpp"
#include "pve/cluster.hpp"
#include "pve/fetch.hpp"
#include "pve/metrics_export.hpp"
#include "pve/netstat.hpp"
#include "unit/pve/fixture_fetch.hpp"

namespace pvex::pve {
namespace {

using namespace std::chrono_literals;

/// A FetchFn over fixed answers (gzip-encoded where asked) that counts the requests per path.
/// Unknown paths answer HTTP 595 like an unreachable node.
class FakeApi {
 public:
  void set(const std::string& path, const std::string& json, Encoding enc = Encoding::identity) {
    Body bytes =
        std::make_shared<const std::string>(enc == Encoding::gzip ? *http::gzip(json) : json);
    m_answers.insert_or_assign(path, Answer(bytes, enc));
  }
  void set_raw(const std::string& path, const std::string& bytes, Encoding enc) {
    m_answers.insert_or_assign(path, Answer(std::make_shared<const std::string>(bytes), enc));
  }
  FetchFn fetch() {
    return [this](std::string_view path, Clock::time_point) -> Result<Answer> {
      {
        std::lock_guard lock(m_mutex);
        ++m_calls[std::string(path)];
      }
      auto it = m_answers.find(std::string(path));
      if (it == m_answers.end())
        return fail(ErrorKind::http, "GET " + std::string(path) + ": HTTP 595: no route");
      return it->second;
    };
  }
  int calls(const std::string& path) {
    std::lock_guard lock(m_mutex);
    return m_calls[path];
  }

 private:
  std::map<std::string, Answer> m_answers;
  std::mutex m_mutex;
  std::map<std::string, int> m_calls;
};

Clock::time_point soon() {
  return Clock::now() + 30s;
}

const std::string k_status = testing::read_fixture("pve9-three-nodes", "/cluster/status");
const std::string k_resources = testing::read_fixture("pve9-three-nodes", "/cluster/resources");

TEST(Session, FetchesAPathOnceWhenRawAndParsedConsumersMix) {
  FakeApi api;
  api.set("/cluster/resources", k_resources, Encoding::gzip);
  Session s(api.fetch(), soon());
  const std::string paths[] = {"/cluster/resources"};
  s.prefetch(paths);
  Result<Body> raw = s.get("/cluster/resources");
  ASSERT_TRUE(raw.has_value()) << raw.error().message;
  EXPECT_EQ(**raw, k_resources);
  Result<Resources> model = s.get_model("/cluster/resources", &parse_cluster_resources);
  ASSERT_TRUE(model.has_value()) << model.error().message;
  Result<std::shared_ptr<const Resources>> shared = fetch_resources_shared(s);
  ASSERT_TRUE(shared.has_value());
  EXPECT_EQ(**shared, *model);
  EXPECT_EQ(*fetch_resources_shared(s), *shared);  // the same model object
  std::vector<Result<Resources>> all = s.get_all_models(paths, &parse_cluster_resources);
  ASSERT_TRUE(all[0].has_value());
  EXPECT_EQ(*all[0], *model);
  EXPECT_EQ(model->guests.size(), parse_cluster_resources(k_resources)->guests.size());
  EXPECT_EQ(api.calls("/cluster/resources"), 1);
  EXPECT_EQ(s.fetch_count(), 1u);
}

TEST(Session, DecodedAnswerIsSharedWhileHeldAndRebuiltAfter) {
  FakeApi api;
  api.set("/cluster/status", k_status, Encoding::gzip);
  Session s(api.fetch(), soon());
  Result<Body> first = s.get("/cluster/status");
  Result<Body> second = s.get("/cluster/status");
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_EQ(first->get(), second->get());  // one decoded buffer for both holders
  EXPECT_EQ(**first, k_status);
  EXPECT_GE((*first)->capacity(), (*first)->size() + simdjson::SIMDJSON_PADDING);
  first->reset();
  second->reset();
  Result<Body> again = s.get("/cluster/status");  // decoded again from the memoised answer
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(**again, k_status);
  EXPECT_EQ(api.calls("/cluster/status"), 1);
}

TEST(Session, CorruptGzipIsAnIoErrorOnEveryUseButOneFetch) {
  FakeApi api;
  std::string gz = *http::gzip(k_status);
  gz[gz.size() / 2] = static_cast<char>(gz[gz.size() / 2] ^ 0x55);
  api.set_raw("/cluster/status", gz, Encoding::gzip);
  api.set_raw("/version", "\x1f\x8b\x08", Encoding::gzip);
  Session s(api.fetch(), soon());
  for (int i = 0; i < 2; ++i) {
    Result<Body> raw = s.get("/cluster/status");
    ASSERT_FALSE(raw.has_value());
    EXPECT_EQ(raw.error().kind, ErrorKind::io);
    EXPECT_EQ(raw.error().message, "GET /cluster/status: invalid gzip body");
  }
  Result<ClusterStatus> parsed = fetch_cluster_status(s);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().message, "GET /cluster/status: invalid gzip body");
  EXPECT_EQ(s.get("/version").error().message, "GET /version: truncated gzip body");
  EXPECT_EQ(api.calls("/cluster/status"), 1);
}

TEST(Session, ParseErrorsNameThePathFetchErrorsStayAsTheyAre) {
  FakeApi api;
  api.set("/cluster/status", R"({"data":)");
  Session s(api.fetch(), soon());
  Result<ClusterStatus> bad = s.get_model("/cluster/status", &parse_cluster_status);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().kind, ErrorKind::parse);
  EXPECT_TRUE(bad.error().message.starts_with("/cluster/status: ")) << bad.error().message;
  Result<ClusterStatus> missing = s.get_model("/nodes/pve1/status", &parse_cluster_status);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().kind, ErrorKind::http);
  EXPECT_EQ(missing.error().message, "GET /nodes/pve1/status: HTTP 595: no route");
}

TEST(Session, PlainBodiesWithoutPaddingParseToo) {
  // A FetchFn may return any string (no padding reserved): the parse copies it.
  FakeApi api;
  api.set("/cluster/metrics/export",
          testing::read_fixture("pve9-three-nodes", "/cluster/metrics/export"));
  Session s(api.fetch(), soon());
  Result<std::vector<ExportedMetric>> nodes =
      s.get_model("/cluster/metrics/export", &parse_metrics_export_nodes);
  ASSERT_TRUE(nodes.has_value()) << nodes.error().message;
  EXPECT_EQ(nodes->front(), (ExportedMetric{"node/pve1", "uptime", 864000, 1755600000, "gauge"}));
}

// ---- the parse-slot bound ------------------------------------------------------------------

/// A parse function that records how many parses run at once and, so that the bound is
/// reached whatever the timing, waits (at most 10 s) until `g_wanted` parses are inside.
std::mutex g_mutex;
std::condition_variable g_cv;
size_t g_inside = 0, g_max_inside = 0, g_wanted = 1;

Result<int> counting_parse(std::string_view json) {
  std::unique_lock lock(g_mutex);
  ++g_inside;
  g_max_inside = std::max(g_max_inside, g_inside);
  g_cv.notify_all();
  g_cv.wait_for(lock, 10s, [] { return g_max_inside >= g_wanted; });
  // A chance for one more parse to come in where the bound would allow it (it never decides
  // a pass: with the bound kept, nobody comes).
  g_cv.wait_for(lock, 20ms, [] { return g_inside > g_wanted; });
  --g_inside;
  return static_cast<int>(json.size());
}

TEST(Session, AtMostParseSlotsDecodeAndParseAtOnce) {
  FakeApi api;
  std::vector<std::string> paths;
  for (int i = 0; i < 8; ++i) {
    paths.push_back("/nodes/pve" + std::to_string(i) + "/netstat");
    api.set(paths.back(), std::string(100 + i, ' '), Encoding::gzip);
  }
  {
    std::lock_guard lock(g_mutex);
    g_inside = g_max_inside = 0;
    g_wanted = 2;
  }
  Session s(api.fetch(), soon(), 8, 2);
  std::vector<Result<int>> sizes = s.get_all_models(paths, &counting_parse);
  for (size_t i = 0; i < sizes.size(); ++i) {
    ASSERT_TRUE(sizes[i].has_value());
    EXPECT_EQ(*sizes[i], static_cast<int>(100 + i));  // the decoded answer, in path order
  }
  EXPECT_EQ(g_max_inside, 2u);  // two parses met (the wait), and never a third
  EXPECT_EQ(s.max_parses_at_once(), 2u);
  EXPECT_EQ(s.fetch_count(), 8u);
}

TEST(Session, OneParseSlotSerialisesParses) {
  FakeApi api;
  std::vector<std::string> paths = {"/a", "/b", "/c", "/d"};
  for (const std::string& p : paths) api.set(p, "{}");
  {
    std::lock_guard lock(g_mutex);
    g_inside = g_max_inside = 0;
    g_wanted = 1;
  }
  Session s(api.fetch(), soon(), 4, 1);
  (void)s.get_all_models(paths, &counting_parse);
  EXPECT_EQ(g_max_inside, 1u);
  EXPECT_EQ(s.max_parses_at_once(), 1u);
}

const char* k_netstat_for_release =
    R"({"data":[{"vmid":"100","dev":"veth100i0","in":"5","out":"7"}]})";

/// A netstat answer of `n` entries whose counters say which answer and entry they are.
std::string netstat_answer(int answer, int n) {
  std::string json = "{\"data\":[";
  for (int i = 0; i < n; ++i) {
    if (i > 0) json += ',';
    json += "{\"vmid\":\"" + std::to_string(100 + i) + "\",\"dev\":\"veth" + std::to_string(i) +
            "\",\"in\":\"" + std::to_string(answer) + "\",\"out\":\"" + std::to_string(i) + "\"}";
  }
  return json + "]}";
}

TEST(Session, ASlotsBuffersServeAnswersOfEverySizeExactly) {
  // One slot: every answer is decoded into and parsed with the same reused buffers, larger and
  // smaller than the one before, and one (about 5 MB) too large for the slot to keep.
  const std::vector<int> entries = {2000, 10, 3000, 1, 70000, 5, 2500};
  FakeApi api;
  std::vector<std::string> paths;
  for (size_t a = 0; a < entries.size(); ++a) {
    paths.push_back("/nodes/pve" + std::to_string(a) + "/netstat");
    api.set(paths.back(), netstat_answer(static_cast<int>(a), entries[a]), Encoding::gzip);
  }
  Session s(api.fetch(), soon(), 1, 1);
  for (int round = 0; round < 2; ++round) {
    for (size_t a = 0; a < entries.size(); ++a) {
      Result<std::vector<NetstatEntry>> got = s.get_model(paths[a], &parse_netstat);
      ASSERT_TRUE(got.has_value()) << got.error().message;
      ASSERT_EQ(got->size(), static_cast<size_t>(entries[a]));
      EXPECT_EQ(got->front().in_bytes, a);
      EXPECT_EQ(got->back().vmid, 100 + entries[a] - 1);
      EXPECT_EQ(got->back().out_bytes, static_cast<uint64_t>(entries[a] - 1));
    }
  }
  EXPECT_EQ(s.fetch_count(), entries.size());
}

TEST(Session, ReleasedAnswersAreGoneWithoutASecondRequest) {
  FakeApi api;
  api.set("/nodes/pve1/netstat", k_netstat_for_release, Encoding::gzip);
  Session s(api.fetch(), soon());
  std::vector<std::string> paths = {"/nodes/pve1/netstat", "/nodes/pve9/netstat"};
  std::vector<Result<std::vector<NetstatEntry>>> got =
      s.get_all_models(paths, &parse_netstat, true);
  ASSERT_TRUE(got[0].has_value());
  EXPECT_EQ(got[0]->size(), 1u);
  ASSERT_FALSE(got[1].has_value());  // 595: the failure stays what it was
  Result<Body> again = s.get("/nodes/pve1/netstat");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().kind, ErrorKind::internal);
  EXPECT_EQ(again.error().message, "GET /nodes/pve1/netstat: answer released by its only reader");
  EXPECT_EQ(s.get("/nodes/pve9/netstat").error().message,
            "GET /nodes/pve9/netstat: HTTP 595: no route");
  s.release("/never/asked");  // nothing to free
  EXPECT_EQ(api.calls("/nodes/pve1/netstat"), 1);
  EXPECT_EQ(s.fetch_count(), 2u);
}

TEST(FetchExportNodes, ScansTheGzipAnswerAndReleasesIt) {
  FakeApi api;
  const std::string body = testing::read_fixture("pve9-three-nodes", "/cluster/metrics/export");
  api.set("/cluster/metrics/export", body, Encoding::gzip);
  Session s(api.fetch(), soon());
  Result<std::vector<ExportedMetric>> nodes = fetch_export_nodes(s);
  ASSERT_TRUE(nodes.has_value()) << nodes.error().message;
  EXPECT_EQ(*nodes, *parse_metrics_export_matching(body, "node/"));
  EXPECT_EQ(s.get("/cluster/metrics/export").error().message,
            "GET /cluster/metrics/export: answer released by its only reader");
  EXPECT_EQ(api.calls("/cluster/metrics/export"), 1);
  // An answer the scan does not take gets the exact parse's error, and is released too.
  FakeApi bad;
  bad.set("/cluster/metrics/export", R"({"data":[]})", Encoding::gzip);
  Session s2(bad.fetch(), soon());
  Result<std::vector<ExportedMetric>> failed = fetch_export_nodes(s2);
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().kind, ErrorKind::parse);
  Session exact(bad.fetch(), soon());
  EXPECT_EQ(
      failed.error().message,
      exact.get_model("/cluster/metrics/export", &parse_metrics_export_nodes).error().message);
  EXPECT_EQ(s2.get("/cluster/metrics/export").error().kind, ErrorKind::internal);
  EXPECT_EQ(bad.calls("/cluster/metrics/export"), 2);  // s2 once, `exact` once
}

// ---- fetch_per_node ------------------------------------------------------------------------

const char* k_netstat = R"({"data":[{"vmid":"100","dev":"net0","in":"5","out":"7"}]})";

TEST(FetchPerNode, MalformedOrMissingAnswerFailsOnlyThatNode) {
  FakeApi api;
  api.set("/nodes/pve1/netstat", k_netstat, Encoding::gzip);
  api.set("/nodes/pve2/netstat", R"({"data":[{"dev":"net0"}]})");
  api.set("/nodes/pve4/netstat", k_netstat);
  Session s(api.fetch(), soon());
  std::vector<NodeAnswer<std::vector<NetstatEntry>>> answers =
      fetch_per_node(s, {"pve1", "pve2", "pve3", "pve4"}, "/netstat", &parse_netstat);
  ASSERT_EQ(answers.size(), 4u);
  const std::vector<NetstatEntry> expected = {{100, "net0", 5, 7}};
  EXPECT_EQ(answers[0].node, "pve1");
  ASSERT_TRUE(answers[0].value.has_value());
  EXPECT_EQ(*answers[0].value, expected);
  EXPECT_EQ(answers[1].node, "pve2");
  ASSERT_FALSE(answers[1].value.has_value());
  EXPECT_EQ(answers[1].value.error().kind, ErrorKind::parse);
  EXPECT_TRUE(answers[1].value.error().message.starts_with("/nodes/pve2/netstat: "))
      << answers[1].value.error().message;
  ASSERT_FALSE(answers[2].value.has_value());
  EXPECT_EQ(answers[2].value.error().message, "GET /nodes/pve3/netstat: HTTP 595: no route");
  ASSERT_TRUE(answers[3].value.has_value());
  EXPECT_EQ(*answers[3].value, expected);
  // A second call (another collector) parses the memoised answers again without fetching.
  (void)fetch_per_node(s, {"pve1", "pve2", "pve3", "pve4"}, "/netstat", &parse_netstat);
  EXPECT_EQ(s.fetch_count(), 4u);
}

/// Set once the fast node's answer has been parsed; the slow node's fetch waits for it.
std::atomic<bool> g_fast_parsed{false};

Result<std::vector<NetstatEntry>> noting_parse(std::string_view json) {
  Result<std::vector<NetstatEntry>> r = parse_netstat(json);
  if (r && !r->empty() && r->front().vmid == 1) g_fast_parsed = true;
  return r;
}

TEST(FetchPerNode, ParsesEachAnswerBeforeTheSlowerOnesArrive) {
  g_fast_parsed = false;
  bool parsed_before_slow_answer = false;
  FetchFn fetch = [&](std::string_view path, Clock::time_point) -> Result<Answer> {
    if (path == "/nodes/fast/netstat")
      return Body(std::make_shared<const std::string>(R"({"data":[{"vmid":"1","dev":"net0"}]})"));
    // The slow node answers only after the fast one was parsed (or after 10 s, failing).
    const auto until = Clock::now() + 10s;
    while (!g_fast_parsed && Clock::now() < until) std::this_thread::sleep_for(1ms);
    parsed_before_slow_answer = g_fast_parsed;
    return Body(std::make_shared<const std::string>(R"({"data":[{"vmid":"2","dev":"net0"}]})"));
  };
  Session s(fetch, soon(), 2);
  std::vector<NodeAnswer<std::vector<NetstatEntry>>> answers =
      fetch_per_node(s, {"slow", "fast"}, "/netstat", &noting_parse);
  EXPECT_TRUE(parsed_before_slow_answer);
  ASSERT_TRUE(answers[0].value.has_value() && answers[1].value.has_value());
  EXPECT_EQ(answers[0].value->front().vmid, 2);
  EXPECT_EQ(answers[1].value->front().vmid, 1);
}

}  // namespace
}  // namespace pvex::pve
