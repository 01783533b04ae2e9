// gzip decoding with libdeflate, one decompressor per thread.
#include "pve/gzip.hpp"

#include <memory>

#include <libdeflate.h>
#include <simdjson.h>

namespace pvex::pve {
namespace {

struct DecompressorDeleter {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

}  // namespace

std::optional<size_t> gzip_content_size(std::string_view gz) {
  if (gz.size() < 18) return std::nullopt;
  const auto* tail = reinterpret_cast<const unsigned char*>(gz.data() + gz.size() - 4);
  return static_cast<size_t>(tail[0]) | static_cast<size_t>(tail[1]) << 8 |
         static_cast<size_t>(tail[2]) << 16 | static_cast<size_t>(tail[3]) << 24;
}

bool gunzip(std::string_view gz, std::string& out, std::string& why) {
  std::optional<size_t> isize = gzip_content_size(gz);
  if (!isize) {
    why = "truncated gzip body";
    return false;
  }
  thread_local std::unique_ptr<libdeflate_decompressor, DecompressorDeleter> decompressor(
      libdeflate_alloc_decompressor());
  if (!decompressor) {
    why = "cannot allocate a gzip decompressor";
    return false;
  }
  // A reused buffer (a parse slot's) keeps its capacity and is not cleared first: resizing then
  // writes zeros only past its old size, and a reallocation copies nothing.
  if (out.capacity() < *isize + simdjson::SIMDJSON_PADDING) {
    out.clear();
    out.reserve(*isize + simdjson::SIMDJSON_PADDING);
  }
  out.resize(*isize);
  size_t actual = 0;
  const libdeflate_result res = libdeflate_gzip_decompress(decompressor.get(), gz.data(), gz.size(),
                                                           out.data(), out.size(), &actual);
  if (res != LIBDEFLATE_SUCCESS || actual != *isize) {
    why = "invalid gzip body";
    return false;
  }
  return true;
}

}  // namespace pvex::pve
