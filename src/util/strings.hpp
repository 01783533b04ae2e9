// Small string helpers with no project knowledge: splitting, trimming, number parsing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pvex::util {

/// Removes ASCII whitespace at both ends.
std::string_view trim(std::string_view s);

/// Splits on any of the characters in `separators`, dropping empty pieces.
std::vector<std::string_view> split_any(std::string_view s, std::string_view separators);

/// Splits on ASCII whitespace runs (spaces, tabs), dropping empty pieces.
std::vector<std::string_view> split_ws(std::string_view s);

bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
std::string to_lower(std::string_view s);

/// Parses a whole string as a number; nullopt if anything but the number is present.
std::optional<int64_t> parse_int(std::string_view s);
std::optional<uint64_t> parse_uint(std::string_view s);
std::optional<double> parse_double(std::string_view s);

/// Parses yes/no words: true/false, 1/0, yes/no, on/off (case-insensitive).
std::optional<bool> parse_bool(std::string_view s);

/// Levenshtein distance, for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word` if it is close enough to be a likely typo, else empty.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace pvex::util
