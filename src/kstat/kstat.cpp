// kstat: header, named, io, list and one-word parsers, plus guarded file reading.
#include "kstat/kstat.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "util/strings.hpp"

namespace pvex::kstat {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/// Splits `text` into lines without their terminators; a final line without '\n' counts.
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  out.reserve(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::optional<uint32_t> parse_hex_flags(std::string_view s) {
  if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return std::nullopt;
  uint32_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data() + 2, s.data() + s.size(), v, 16);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

/// Splits a named row into name, type code and value: the first whitespace-delimited single
/// digit 0-7 after a non-empty name is the type (names may hold spaces: `1024 ns`).
struct RowParts {
  std::string_view name, value;
  int type = -1;
};

std::optional<RowParts> split_row(std::string_view line) {
  while (!line.empty() && is_space(line.back())) line.remove_suffix(1);
  if (line.empty() || is_space(line.front())) return std::nullopt;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && !is_space(line[i])) ++i;  // end of the current name word
    if (i >= line.size()) return std::nullopt;
    size_t j = i;
    while (j < line.size() && is_space(line[j])) ++j;
    const char c = line[j];  // j < size: trailing whitespace was stripped
    const bool single_digit =
        c >= '0' && c <= '7' && (j + 1 == line.size() || is_space(line[j + 1]));
    if (single_digit) {
      RowParts parts;
      parts.name = line.substr(0, i);
      parts.type = c - '0';
      size_t v = j + 1;
      while (v < line.size() && is_space(line[v])) ++v;
      parts.value = line.substr(v);
      return parts;
    }
    i = j;
  }
  return std::nullopt;
}

/// `name type data`, whatever the padding.
bool is_named_column_line(std::string_view line) {
  size_t pos = 0;
  for (std::string_view word : {"name", "type", "data"}) {
    while (pos < line.size() && is_space(line[pos])) ++pos;
    if (line.substr(pos, word.size()) != word) return false;
    pos += word.size();
    if (pos < line.size() && !is_space(line[pos])) return false;
  }
  while (pos < line.size() && is_space(line[pos])) ++pos;
  return pos == line.size();
}

std::optional<NamedRow> make_row(const RowParts& p) {
  NamedRow row;
  row.name = p.name;
  row.type = static_cast<DataType>(p.type);
  switch (row.type) {
    case DataType::int32:
    case DataType::int64:
    case DataType::long_: {
      std::optional<int64_t> v = util::parse_int(p.value);
      if (!v) return std::nullopt;
      row.is_signed = true;
      row.signed_value = *v;
      break;
    }
    case DataType::uint32:
    case DataType::uint64:
    case DataType::ulong: {
      std::optional<uint64_t> v = util::parse_uint(p.value);
      if (!v || p.value.front() == '-') return std::nullopt;
      row.unsigned_value = *v;
      break;
    }
    case DataType::chars:
    case DataType::string:
      row.text = p.value;
      break;
  }
  return row;
}

Result<size_t> header_then(std::string_view first_line, int want_type, Header& header) {
  Result<Header> h = parse_header(first_line);
  if (!h) return fail(h.error());
  if (h->type != want_type)
    return fail(ErrorKind::parse, "kstat type " + std::to_string(h->type) + ", expected " +
                                      std::to_string(want_type));
  header = *h;
  return 1;
}

}  // namespace

double NamedRow::as_double() const {
  if (!is_numeric()) return 0;
  return is_signed ? static_cast<double>(signed_value) : static_cast<double>(unsigned_value);
}

const NamedRow* NamedTable::find(std::string_view name) const {
  for (const NamedRow& r : rows)
    if (r.name == name) return &r;
  return nullptr;
}

std::optional<size_t> ListTable::column(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return i;
  return std::nullopt;
}

Result<Header> parse_header(std::string_view line) {
  const std::vector<std::string_view> f = util::split_ws(line);
  if (f.size() != 7) return fail(ErrorKind::parse, "missing kstat header line");
  Header h;
  std::optional<uint64_t> kid = util::parse_uint(f[0]);
  std::optional<int64_t> type = util::parse_int(f[1]);
  std::optional<uint32_t> flags = parse_hex_flags(f[2]);
  std::optional<uint64_t> ndata = util::parse_uint(f[3]);
  std::optional<uint64_t> size = util::parse_uint(f[4]);
  std::optional<uint64_t> crtime = util::parse_uint(f[5]);
  std::optional<uint64_t> snaptime = util::parse_uint(f[6]);
  if (!kid || !type || !flags || !ndata || !size || !crtime || !snaptime || *type < 0 || *type > 4)
    return fail(ErrorKind::parse, "malformed kstat header line");
  h.kid = *kid;
  h.type = static_cast<int>(*type);
  h.flags = *flags;
  h.ndata = *ndata;
  h.data_size = *size;
  h.crtime_ns = *crtime;
  h.snaptime_ns = *snaptime;
  return h;
}

Result<NamedTable> parse_named(std::string_view input) {
  return parse_named(std::make_shared<const std::string>(input));
}

Result<NamedTable> parse_named(std::shared_ptr<const std::string> input) {
  NamedTable table;
  table.buffer = std::move(input);
  const std::vector<std::string_view> lines = lines_of(*table.buffer);
  if (lines.empty()) return fail(ErrorKind::parse, "empty kstat file");
  Result<size_t> first = header_then(lines[0], 1, table.header);
  if (!first) return fail(first.error());
  if (lines.size() < 2 || !is_named_column_line(lines[1]))
    return fail(ErrorKind::parse, "missing 'name type data' line");
  table.rows.reserve(lines.size() - 2);
  for (size_t i = 2; i < lines.size(); ++i) {
    if (util::trim(lines[i]).empty()) continue;
    std::optional<RowParts> parts = split_row(lines[i]);
    std::optional<NamedRow> row = parts ? make_row(*parts) : std::nullopt;
    if (!row) {
      ++table.skipped_rows;
      continue;
    }
    table.rows.push_back(std::move(*row));
  }
  return table;
}

Result<NamedTable> parse_io(std::string_view input) {
  NamedTable table;
  table.buffer = std::make_shared<const std::string>(input);
  const std::vector<std::string_view> lines = lines_of(*table.buffer);
  if (lines.empty()) return fail(ErrorKind::parse, "empty kstat file");
  Result<size_t> first = header_then(lines[0], 3, table.header);
  if (!first) return fail(first.error());
  if (lines.size() < 3) return fail(ErrorKind::parse, "io kstat truncated");
  const std::vector<std::string_view> names = util::split_ws(lines[1]);
  const std::vector<std::string_view> values = util::split_ws(lines[2]);
  if (names.empty() || names.size() != values.size())
    return fail(ErrorKind::parse, "io kstat: column count mismatch");
  for (size_t i = 0; i < names.size(); ++i) {
    std::optional<uint64_t> v = util::parse_uint(values[i]);
    if (!v)
      return fail(ErrorKind::parse, "io kstat: bad number in column " + std::string(names[i]));
    NamedRow row;
    row.name = names[i];
    row.unsigned_value = *v;
    table.rows.push_back(std::move(row));
  }
  return table;
}

Result<ListTable> parse_list(std::string_view text) {
  std::vector<std::string_view> lines = lines_of(text);
  size_t first = 0;
  while (first < lines.size() && util::trim(lines[first]).empty()) ++first;
  if (first < lines.size() && parse_header(lines[first])) ++first;  // pre-0.8 raw kstat header
  if (first >= lines.size()) return fail(ErrorKind::parse, "empty list file");
  ListTable table;
  for (std::string_view c : util::split_ws(lines[first])) table.columns.emplace_back(c);
  for (size_t i = first + 1; i < lines.size(); ++i) {
    std::vector<std::string_view> cells = util::split_ws(lines[i]);
    if (cells.empty() || cells.size() != table.columns.size()) continue;
    table.rows.emplace_back(cells.begin(), cells.end());
  }
  return table;
}

Result<std::string> parse_word(std::string_view text) {
  const std::vector<std::string_view> f = util::split_ws(text);
  if (f.size() != 1) return fail(ErrorKind::parse, "expected one word");
  return std::string(f[0]);
}

Result<std::vector<Entry>> list_directory(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) return fail(ErrorKind::not_found, dir + ": not present");
    return fail(ErrorKind::io, dir + ": " + std::strerror(err));
  }
  std::vector<Entry> out;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    // The kernel's d_type is stat()'s answer; stat() only where the file system does not fill it.
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN || e->d_type == DT_LNK) {
      struct stat st {};
      if (::fstatat(::dirfd(d), e->d_name, &st, 0) != 0) continue;  // vanished meanwhile
      is_dir = S_ISDIR(st.st_mode);
    }
    out.push_back(Entry{std::string(name), is_dir});
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
  return out;
}

Result<std::string> read_file(const std::string& path, size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return fail(ErrorKind::not_found, path + ": gone");
    return fail(ErrorKind::io, path + ": " + std::strerror(err));
  }
  // A stack buffer first: kstat files are a few KB, so the result is allocated once, exactly.
  std::string out;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      if (err == ENOENT || err == ENODEV) return fail(ErrorKind::not_found, path + ": gone");
      return fail(ErrorKind::io, path + ": " + std::strerror(err));
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      ::close(fd);
      return fail(ErrorKind::parse, path + ": larger than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

bool AllowList::allows(std::string_view file_name) const {
  if (file_name.find('/') != std::string_view::npos) return false;
  for (const std::string& n : names)
    if (n == file_name) return true;
  for (const std::string& p : prefixes)
    if (file_name.size() > p.size() && util::starts_with(file_name, p)) return true;
  return false;
}

Result<std::string> read_allowed(const std::string& dir, std::string_view name,
                                 const AllowList& allow, size_t max_bytes) {
  if (!allow.allows(name))
    return fail(ErrorKind::config, std::string(name) + ": not on the kstat allow-list");
  return read_file(dir + "/" + std::string(name), max_bytes);
}

}  // namespace pvex::kstat
