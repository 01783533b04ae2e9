// gzip decoding: whole answers with libdeflate (one decompressor per thread), pieces with ISA-L.
#include "pve/gzip.hpp"

#include <cstdint>
#include <memory>

#include <isa-l/igzip_lib.h>
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
  // Deflate expands at most 1032:1: a trailer announcing more (a truncated or corrupt body
  // whose last bytes are not a trailer) is not worth a buffer of that size.
  if (*isize > gz.size() * 1032 + 64) {
    why = "invalid gzip body";
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
  size_t actual = 0, consumed = 0;
  const libdeflate_result res = libdeflate_gzip_decompress_ex(
      decompressor.get(), gz.data(), gz.size(), out.data(), out.size(), &consumed, &actual);
  // The whole body must be the one member: pveproxy sends one, anything behind it is corrupt.
  if (res != LIBDEFLATE_SUCCESS || actual != *isize || consumed != gz.size()) {
    why = "invalid gzip body";
    return false;
  }
  return true;
}

struct GunzipReader::State {
  inflate_state inflate{};
};

GunzipReader::GunzipReader(std::string_view gz) : m_state(std::make_unique<State>()) {
  isal_inflate_init(&m_state->inflate);
  m_state->inflate.crc_flag = ISAL_GZIP;  // header parsed, CRC-32 and size checked
  m_state->inflate.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(gz.data()));
  m_state->inflate.avail_in = static_cast<uint32_t>(gz.size());
  if (gz.size() > UINT32_MAX) m_why = "invalid gzip body";  // answers are bounded far below
}

GunzipReader::~GunzipReader() = default;

bool GunzipReader::next(std::string& out, size_t max) {
  out.clear();
  if (m_done || failed()) return false;
  inflate_state& st = m_state->inflate;
  out.resize(max);
  st.next_out = reinterpret_cast<uint8_t*>(out.data());
  st.avail_out = static_cast<uint32_t>(max);
  while (st.avail_out > 0 && st.block_state != ISAL_BLOCK_FINISH) {
    const uint32_t before_in = st.avail_in, before_out = st.avail_out;
    const int r = isal_inflate(&st);
    if (r != ISAL_DECOMP_OK) {
      m_why = "invalid gzip body";
      break;
    }
    if (st.block_state == ISAL_BLOCK_FINISH) break;
    if (st.avail_in == before_in && st.avail_out == before_out) {
      m_why = "truncated gzip body";  // no input left to make progress with
      break;
    }
  }
  out.resize(max - st.avail_out);
  if (!failed() && st.block_state == ISAL_BLOCK_FINISH) {
    m_done = true;
    if (st.avail_in != 0) m_why = "invalid gzip body";  // a second member: pveproxy sends one
  }
  if (failed()) out.clear();
  return !failed() && !out.empty();
}

}  // namespace pvex::pve
