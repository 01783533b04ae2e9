// JSON helpers for the PVE parsers: simdjson DOM access returning Result/optional, tolerant of
// PVE's loose typing (numbers as strings, booleans as 0/1). Only pve/*.cpp include this file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "util/result.hpp"

namespace pvex::pve::json {

using Element = simdjson::dom::element;
using Object = simdjson::dom::object;
using Array = simdjson::dom::array;

/// Parses `body` with this thread's parser and returns the envelope's `data` member. The
/// returned element is a view that stays valid until the next parse on the same thread, so
/// parse functions copy what they need before returning. Malformed JSON, a body that is not an
/// object or one without `data` -> ErrorKind::parse naming `what` (e.g. "/cluster/resources").
Result<Element> parse_data(std::string_view body, std::string_view what);

/// The whole response object (for envelope members next to `data`, like `total` of tasks).
Result<Object> parse_root(std::string_view body, std::string_view what);

/// `data` as an object / array (see parse_data); anything else -> ErrorKind::parse.
Result<Object> data_object(std::string_view body, std::string_view what);
Result<Array> data_array(std::string_view body, std::string_view what);

/// The element's JSON type as a word for error messages ("object", "string", ...).
std::string_view type_name(Element e);

/// A member of `obj`; nullopt when absent or JSON null.
std::optional<Element> member(Object obj, std::string_view key);

// Tolerant conversions of one element (PVE pitfalls §6): numbers may arrive as numeric strings,
// booleans as 0/1 or "1"/"". Values of a type that cannot be converted give nullopt.
std::optional<std::string> to_string(Element e);  // strings as is, numbers as decimal text
std::optional<int64_t> to_int(Element e);         // floats are truncated toward zero
std::optional<uint64_t> to_uint(Element e);       // negative values give nullopt
std::optional<double> to_double(Element e);
std::optional<bool> to_bool(Element e);  // true/false, any number (!= 0), "1"/"0"/"true"/"", ...

// Optional fields: absent, null or not convertible -> nullopt.
std::optional<std::string> opt_string(Object obj, std::string_view key);
std::optional<int64_t> opt_int(Object obj, std::string_view key);
std::optional<uint64_t> opt_uint(Object obj, std::string_view key);
std::optional<double> opt_double(Object obj, std::string_view key);
std::optional<bool> opt_bool(Object obj, std::string_view key);

/// A member that is an object / array; nullopt when absent, null or of another type.
std::optional<Object> opt_object(Object obj, std::string_view key);
std::optional<Array> opt_array(Object obj, std::string_view key);

// Required fields: absent or not convertible -> ErrorKind::parse "missing field 'k'" or
// "field 'k' has type T, expected E".
Result<std::string> req_string(Object obj, std::string_view key);
Result<int64_t> req_int(Object obj, std::string_view key);
Result<uint64_t> req_uint(Object obj, std::string_view key);
Result<double> req_double(Object obj, std::string_view key);

/// An object element or a parse error "<what> is a T, expected an object".
Result<Object> as_object(Element e, std::string_view what);
Result<Array> as_array(Element e, std::string_view what);

/// "<what>[index]", the context of an array element in error messages.
std::string element_context(std::string_view what, size_t index);

/// Parses every element of `array` with `parse_one(Object) -> Result<T>`; the first failure
/// becomes "<what>[i]: <message>".
template <class T, class F>
Result<std::vector<T>> parse_each(Array array, std::string_view what, F&& parse_one) {
  std::vector<T> out;
  out.reserve(array.size());
  size_t index = 0;
  for (Element e : array) {
    // The context string is built only on failure: lists have up to 10^5 elements.
    Object obj;
    if (e.get_object().get(obj)) return fail(as_object(e, element_context(what, index)).error());
    Result<T> item = parse_one(obj);
    if (!item) return fail(item.error(), element_context(what, index));
    out.push_back(std::move(*item));
    ++index;
  }
  return out;
}

}  // namespace pvex::pve::json
