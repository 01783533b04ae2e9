// JsonWriter: appends compact JSON to a string; keeps track of commas so callers only say what.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pvex::sim {

/// Streaming JSON writer. Callers must balance begin/end calls and write a key before every
/// value inside an object (programmer errors are not detected).
class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(int v) { return value(static_cast<int64_t>(v)); }
  JsonWriter& value(int64_t v);
  JsonWriter& value(uint64_t v);
  JsonWriter& value(double v);
  /// A real JSON true/false (PVE uses 0/1 almost everywhere; booleans only in QMP passthrough).
  JsonWriter& boolean(bool v);
  JsonWriter& null();
  /// Inserts already-serialised JSON as one value.
  JsonWriter& raw(std::string_view json);

  /// key + value in one call.
  template <class T>
  JsonWriter& field(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  const std::string& str() const { return m_out; }
  std::string take() { return std::move(m_out); }

 private:
  void separate();

  std::string m_out;
  std::vector<bool> m_first;  // per open container: no element written yet
  bool m_after_key = false;
};

/// Appends `s` as a JSON string literal (quotes included) to `out`.
void append_json_string(std::string& out, std::string_view s);

}  // namespace pvex::sim
