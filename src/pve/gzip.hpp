// gzip decoding of API answers (one member, as pveproxy sends) into simdjson-padded buffers.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pvex::pve {

/// The content size a gzip member announces in its trailer (ISIZE: the size mod 2^32), or
/// nullopt when `gz` is too short to be a gzip member (header and trailer are 18 bytes).
std::optional<size_t> gzip_content_size(std::string_view gz);

/// Decodes the gzip member `gz` into `out` (replacing what it held; its capacity is reused when
/// large enough), sized once from the trailer, with simdjson's padding free behind the data.
/// libdeflate instead of zlib: about 3x faster inflate and CRC-32 on 10^7-byte answers. On failure
/// returns false and sets `why` ("truncated gzip body", "invalid gzip body": corrupt, more than
/// one member, or a trailer announcing more than deflate expands to, which is not allocated);
/// `out` is then unspecified.
bool gunzip(std::string_view gz, std::string& out, std::string& why);

/// Decodes a gzip member piece by piece (ISA-L's igzip inflate, which checks the CRC-32 and
/// size in the trailer), for readers that scan an answer without holding all of it decoded.
class GunzipReader {
 public:
  explicit GunzipReader(std::string_view gz);
  ~GunzipReader();
  GunzipReader(const GunzipReader&) = delete;
  GunzipReader& operator=(const GunzipReader&) = delete;

  /// Replaces `out` with up to `max` more decoded bytes; false once the member is complete
  /// (`out` then empty) or on an error (why() says which: "truncated gzip body", "invalid gzip
  /// body", as gunzip()).
  bool next(std::string& out, size_t max);
  bool failed() const { return !m_why.empty(); }
  const std::string& why() const { return m_why; }

 private:
  struct State;
  std::unique_ptr<State> m_state;
  std::string m_why;
  bool m_done = false;
};

}  // namespace pvex::pve
