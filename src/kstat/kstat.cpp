// kstat: header, named, io, list and one-word parsers, plus guarded file reading.
#include "kstat/kstat.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdint>
#include <cstring>
#include <span>
#include <utility>

#include "util/strings.hpp"

namespace pvex::kstat {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/// Hands out the lines of a text one by one, without their terminators; a final line without
/// '\n' counts, an empty text has none.
class Lines {
 public:
  explicit Lines(std::string_view text) : m_text(text) {}

  bool next(std::string_view& line) {
    if (m_pos >= m_text.size()) return false;
    const char* begin = m_text.data() + m_pos;
    const void* nl = std::memchr(begin, '\n', m_text.size() - m_pos);
    const size_t len = nl != nullptr ? static_cast<size_t>(static_cast<const char*>(nl) - begin)
                                     : m_text.size() - m_pos;
    line = std::string_view(begin, len);
    m_pos += len + 1;
    return true;
  }
  size_t remaining() const { return m_pos < m_text.size() ? m_text.size() - m_pos : 0; }

 private:
  std::string_view m_text;
  size_t m_pos = 0;
};

/// Splits `line` at spaces, tabs, CRs and LFs (util::split_ws's set) into `out`; returns the
/// number of fields, counting on past out.size() without storing.
size_t split_fields(std::string_view line, std::span<std::string_view> out) {
  size_t n = 0, i = 0;
  const auto sep = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (i < line.size()) {
    while (i < line.size() && sep(line[i])) ++i;
    if (i == line.size()) break;
    const size_t start = i;
    while (i < line.size() && !sep(line[i])) ++i;
    if (n < out.size()) out[n] = line.substr(start, i - start);
    ++n;
  }
  return n;
}

std::optional<uint32_t> parse_hex_flags(std::string_view s) {
  if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return std::nullopt;
  uint32_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data() + 2, s.data() + s.size(), v, 16);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

/// util::parse_uint with a fast path for what kstat values nearly always are: up to 19 plain
/// digits, which cannot overflow.
std::optional<uint64_t> parse_decimal(std::string_view s) {
  if (s.empty() || s.size() > 19) return util::parse_uint(s);
  uint64_t v = 0;
  for (char c : s) {
    const unsigned d = static_cast<unsigned char>(c) - unsigned{'0'};
    if (d > 9) return util::parse_uint(s);
    v = v * 10 + d;
  }
  return v;
}

/// Parses one named row into `row`; false when it is malformed (no type code, an unknown one,
/// or a bad number). Columns by meaning: the first whitespace-delimited single digit 0-7 after
/// a non-empty name is the type (names may hold spaces: `1024 ns`), the rest is the value.
bool parse_row(std::string_view line, NamedRow& row) {
  while (!line.empty() && is_space(line.back())) line.remove_suffix(1);
  if (line.empty() || is_space(line.front())) return false;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && !is_space(line[i])) ++i;  // end of the current name word
    if (i >= line.size()) return false;
    size_t j = i;
    while (j < line.size() && is_space(line[j])) ++j;
    const char c = line[j];  // j < size: trailing whitespace was stripped
    if (c < '0' || c > '7' || (j + 1 != line.size() && !is_space(line[j + 1]))) {
      i = j;
      continue;
    }
    size_t v = j + 1;
    while (v < line.size() && is_space(line[v])) ++v;
    const std::string_view value = line.substr(v);
    row.name = line.substr(0, i);
    row.type = static_cast<DataType>(c - '0');
    switch (row.type) {
      case DataType::int32:
      case DataType::int64:
      case DataType::long_: {
        std::optional<int64_t> n = util::parse_int(value);
        if (!n) return false;
        row.is_signed = true;
        row.signed_value = *n;
        return true;
      }
      case DataType::uint32:
      case DataType::uint64:
      case DataType::ulong: {
        std::optional<uint64_t> n = parse_decimal(value);
        if (!n || value.front() == '-') return false;
        row.unsigned_value = *n;
        return true;
      }
      case DataType::chars:
      case DataType::string:
        row.text = value;
        return true;
    }
    return false;
  }
  return false;
}

bool is_blank(std::string_view line) {
  for (char c : line)
    if (!is_space(c)) return false;
  return true;
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

/// Reads the first line of `lines` as a header of type `want_type` into `header`.
Result<void> read_header(Lines& lines, int want_type, Header& header) {
  std::string_view first;
  if (!lines.next(first)) return fail(ErrorKind::parse, "empty kstat file");
  Result<Header> h = parse_header(first);
  if (!h) return fail(h.error());
  if (h->type != want_type)
    return fail(ErrorKind::parse, "kstat type " + std::to_string(h->type) + ", expected " +
                                      std::to_string(want_type));
  header = *h;
  return {};
}

// 16 KiB: with 64 KiB blocks glibc gave the heap top back to the kernel after every snapshot
// and the next scrape page-faulted it in again (measured: 2.5x the page faults of 16 KiB).
constexpr size_t k_block_bytes = 16 * 1024;
constexpr size_t k_first_read_bytes = 16 * 1024;  // larger than any usual kstat file

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
  std::string_view f[7];
  if (split_fields(line, f) != 7) return fail(ErrorKind::parse, "missing kstat header line");
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
  const std::string_view text = *input;
  return parse_named(text, std::move(input));
}

Result<NamedTable> parse_named(std::string_view text, std::shared_ptr<const void> owner) {
  NamedTable table;
  table.storage = std::move(owner);
  Lines lines(text);
  Result<void> header = read_header(lines, 1, table.header);
  if (!header) return fail(header.error());
  std::string_view line;
  if (!lines.next(line) || !is_named_column_line(line))
    return fail(ErrorKind::parse, "missing 'name type data' line");
  // The header's row count, bounded by what the rest of the text could hold (a row takes at
  // least four bytes), so a corrupt header cannot ask for a huge reservation.
  table.rows.reserve(std::min<uint64_t>(table.header.ndata, lines.remaining() / 4 + 1));
  while (lines.next(line)) {
    if (is_blank(line)) continue;
    NamedRow row;
    if (parse_row(line, row))
      table.rows.push_back(row);
    else
      ++table.skipped_rows;
  }
  return table;
}

Result<NamedTable> parse_io(std::string_view input) {
  auto text = std::make_shared<const std::string>(input);
  const std::string_view view = *text;
  return parse_io(view, std::move(text));
}

Result<NamedTable> parse_io(std::string_view text, std::shared_ptr<const void> owner) {
  NamedTable table;
  table.storage = std::move(owner);
  Lines lines(text);
  Result<void> header = read_header(lines, 3, table.header);
  if (!header) return fail(header.error());
  std::string_view names_line, values_line;
  if (!lines.next(names_line) || !lines.next(values_line))
    return fail(ErrorKind::parse, "io kstat truncated");
  const std::vector<std::string_view> names = util::split_ws(names_line);
  const std::vector<std::string_view> values = util::split_ws(values_line);
  if (names.empty() || names.size() != values.size())
    return fail(ErrorKind::parse, "io kstat: column count mismatch");
  table.rows.reserve(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    std::optional<uint64_t> v = util::parse_uint(values[i]);
    if (!v)
      return fail(ErrorKind::parse, "io kstat: bad number in column " + std::string(names[i]));
    NamedRow row;
    row.name = names[i];
    row.unsigned_value = *v;
    table.rows.push_back(row);
  }
  return table;
}

Result<ListTable> parse_list(std::string_view text) {
  Lines lines(text);
  std::string_view line;
  bool have = lines.next(line);
  while (have && is_blank(line)) have = lines.next(line);
  if (have && parse_header(line)) have = lines.next(line);  // pre-0.8 raw kstat header
  if (!have) return fail(ErrorKind::parse, "empty list file");
  ListTable table;
  for (std::string_view c : util::split_ws(line)) table.columns.emplace_back(c);
  std::vector<std::string_view> cells(table.columns.size());
  while (lines.next(line)) {
    const size_t n = split_fields(line, cells);
    if (n == 0 || n != cells.size()) continue;
    table.rows.emplace_back(cells.begin(), cells.end());
  }
  return table;
}

Result<std::string> parse_word(std::string_view text) {
  std::string_view f[1];
  if (split_fields(text, f) != 1) return fail(ErrorKind::parse, "expected one word");
  return std::string(f[0]);
}

std::string_view TextStore::keep(std::string_view text) {
  if (text.size() > m_left) {
    // A text larger than a quarter block gets a block of its own; the current one stays open.
    if (text.size() > k_block_bytes / 4) {
      m_blocks.push_back(std::make_unique_for_overwrite<char[]>(text.size()));
      std::memcpy(m_blocks.back().get(), text.data(), text.size());
      return {m_blocks.back().get(), text.size()};
    }
    m_blocks.push_back(std::make_unique_for_overwrite<char[]>(k_block_bytes));
    m_next = m_blocks.back().get();
    m_left = k_block_bytes;
  }
  if (text.empty()) return {};
  std::memcpy(m_next, text.data(), text.size());
  const std::string_view kept(m_next, text.size());
  m_next += text.size();
  m_left -= text.size();
  return kept;
}

Result<std::string_view> ReadBuffer::read_from(int fd, size_t max_bytes) {
  m_size = 0;
  // Room for one byte more than allowed, so that an oversized file is seen as such.
  const size_t limit = max_bytes < SIZE_MAX ? max_bytes + 1 : SIZE_MAX;
  if (m_bytes.empty()) m_bytes.resize(std::min(k_first_read_bytes, limit));
  for (;;) {
    if (m_size == m_bytes.size()) {
      if (m_size > max_bytes) {
        m_size = 0;
        return fail(ErrorKind::parse, "larger than " + std::to_string(max_bytes) + " bytes");
      }
      m_bytes.resize(m_bytes.size() <= limit / 2 ? 2 * m_bytes.size() : limit);
    }
    const ssize_t n = ::read(fd, m_bytes.data() + m_size, m_bytes.size() - m_size);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      m_size = 0;
      if (err == ENOENT || err == ENODEV) return fail(ErrorKind::not_found, "gone");
      return fail(ErrorKind::io, std::strerror(err));
    }
    if (n == 0) break;
    m_size += static_cast<size_t>(n);
  }
  if (m_size > max_bytes) {
    m_size = 0;
    return fail(ErrorKind::parse, "larger than " + std::to_string(max_bytes) + " bytes");
  }
  return text();
}

namespace {

/// Lists the open directory `fd` (which it takes over and closes).
Result<std::vector<Entry>> list_fd(int fd, const std::string& path) {
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    const int err = errno;
    ::close(fd);
    return fail(ErrorKind::io, path + ": " + std::strerror(err));
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

Result<int> open_error(const std::string& path, int err, bool directory) {
  if (err == ENOENT || (directory && err == ENOTDIR))
    return fail(ErrorKind::not_found, path + (directory ? ": not present" : ": gone"));
  return fail(ErrorKind::io, path + ": " + std::strerror(err));
}

constexpr int k_dir_flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
constexpr int k_file_flags = O_RDONLY | O_CLOEXEC;

}  // namespace

Result<std::vector<Entry>> list_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), k_dir_flags);
  if (fd < 0) return fail(open_error(dir, errno, true).error());
  return list_fd(fd, dir);
}

Result<std::string> read_file(const std::string& path, size_t max_bytes) {
  const int fd = ::open(path.c_str(), k_file_flags);
  if (fd < 0) return fail(open_error(path, errno, false).error());
  ReadBuffer buffer;
  Result<std::string_view> text = buffer.read_from(fd, max_bytes);
  ::close(fd);
  if (!text) return fail(text.error().kind, path + ": " + text.error().message);
  return std::string(*text);
}

Result<Directory> Directory::open(std::string path) {
  const int fd = ::open(path.c_str(), k_dir_flags);
  if (fd < 0) return fail(open_error(path, errno, true).error());
  return Directory(fd, std::move(path));
}

Directory::Directory(Directory&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1)), m_path(std::move(other.m_path)) {}

Directory& Directory::operator=(Directory&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = std::exchange(other.m_fd, -1);
    m_path = std::move(other.m_path);
  }
  return *this;
}

Directory::~Directory() {
  if (m_fd >= 0) ::close(m_fd);
}

Result<int> Directory::open_at(std::string_view name, int flags) const {
  // openat() wants a NUL-terminated name: a stack copy, since names are short (NAME_MAX).
  char z[NAME_MAX + 1];
  if (name.empty() || name.size() > NAME_MAX || name.find('/') != std::string_view::npos ||
      name == "." || name == "..")
    return fail(ErrorKind::io, m_path + "/" + std::string(name) + ": not a file name");
  std::memcpy(z, name.data(), name.size());
  z[name.size()] = '\0';
  const int fd = ::openat(m_fd, z, flags);
  if (fd < 0)
    return open_error(m_path + "/" + std::string(name), errno, (flags & O_DIRECTORY) != 0);
  return fd;
}

Result<Directory> Directory::open_directory(std::string_view name) const {
  Result<int> fd = open_at(name, k_dir_flags);
  if (!fd) return fail(fd.error());
  return Directory(*fd, m_path + "/" + std::string(name));
}

Result<std::vector<Entry>> Directory::list() const {
  // A descriptor of its own: fdopendir() takes it over, and this one stays usable for openat().
  const int fd = ::openat(m_fd, ".", k_dir_flags);
  if (fd < 0) return fail(open_error(m_path, errno, true).error());
  return list_fd(fd, m_path);
}

Result<std::string_view> Directory::read(std::string_view name, ReadBuffer& buffer,
                                         size_t max_bytes) const {
  Result<int> fd = open_at(name, k_file_flags);
  if (!fd) return fail(fd.error());
  Result<std::string_view> text = buffer.read_from(*fd, max_bytes);
  ::close(*fd);
  if (!text)
    return fail(text.error().kind, m_path + "/" + std::string(name) + ": " + text.error().message);
  return text;
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

Result<std::string_view> read_allowed(const Directory& dir, std::string_view name,
                                      const AllowList& allow, ReadBuffer& buffer,
                                      size_t max_bytes) {
  if (!allow.allows(name))
    return fail(ErrorKind::config, std::string(name) + ": not on the kstat allow-list");
  return dir.read(name, buffer, max_bytes);
}

}  // namespace pvex::kstat
