// Tests of the QEMU and LXC status parsers (lists and status/current).
#include "pve/guests.hpp"

#include <gtest/gtest.h>

#include "unit/pve/fixture_fetch.hpp"

namespace pvex::pve {
namespace {

using testing::read_fixture;

TEST(ParseQemuList, FullStatusOfARunningVm) {
  Result<std::vector<QemuStatus>> list =
      parse_qemu_list(read_fixture("pve9-three-nodes", "/nodes/pve1/qemu?full=1"));
  ASSERT_TRUE(list.has_value()) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  const QemuStatus& vm = (*list)[0];
  EXPECT_EQ(vm.vmid, 100);
  EXPECT_EQ(vm.name, "web01");
  EXPECT_EQ(vm.status, "running");
  EXPECT_EQ(vm.qmpstatus, "running");
  EXPECT_EQ(vm.pid, 4242);
  EXPECT_EQ(vm.uptime_seconds, 360000u);
  EXPECT_EQ(vm.cpu_ratio, 0.0421);
  EXPECT_EQ(vm.cpus, 4.0);
  EXPECT_EQ(vm.mem_bytes, 2952790016u);
  EXPECT_EQ(vm.memhost_bytes, 3221225472u);
  EXPECT_EQ(vm.balloon_bytes, 8589934592u);
  EXPECT_EQ(vm.freemem_bytes, 5368709120u);
  EXPECT_EQ(vm.disk_bytes, 0u);
  EXPECT_EQ(vm.diskwrite_bytes, 10737418240u);
  EXPECT_EQ(vm.running_machine, "pc-q35-9.2+pve1");
  EXPECT_EQ(vm.running_qemu, "9.2.0");
  EXPECT_EQ(vm.tags, "prod;web");
  EXPECT_EQ(vm.agent, true);
  EXPECT_FALSE(vm.is_template);
  EXPECT_EQ(vm.pressure, (Pressure{0.12, 0.0, 0.07, 0.05, 0.0, 0.0}));
  EXPECT_EQ(vm.pbs_library_version, "1.5.2 (UNKNOWN)");
  EXPECT_EQ(vm.ha, std::nullopt);
  ASSERT_TRUE(vm.ballooninfo.has_value());
  EXPECT_EQ(*vm.ballooninfo, (BalloonInfo{8589934592, 8589934592, 8321499136, 5368709120, 0, 0,
                                          1201, 88123412, 1755599998}));
  ASSERT_EQ(vm.nics.size(), 1u);
  EXPECT_EQ(vm.nics[0], (NicStats{"tap100i0", 4811223344, 1022334455}));
  ASSERT_EQ(vm.blockstat.size(), 2u);
  EXPECT_EQ(vm.blockstat[0].drive, "ide2");  // sorted by name
  EXPECT_EQ(vm.blockstat[0].rd_bytes, 0u);
  EXPECT_EQ(vm.blockstat[0].idle_time_ns, std::nullopt);
  const DriveStats& scsi0 = vm.blockstat[1];
  EXPECT_EQ(scsi0.drive, "scsi0");
  EXPECT_EQ(scsi0.rd_bytes, 21474836480u);
  EXPECT_EQ(scsi0.rd_operations, 512000u);
  EXPECT_EQ(scsi0.flush_total_time_ns, 2100000000u);
  EXPECT_EQ(scsi0.wr_highest_offset, 34359672832u);
  EXPECT_EQ(scsi0.idle_time_ns, 1200000u);
  EXPECT_EQ(scsi0.invalid_zone_append_operations, 0u);
}

TEST(ParseQemuList, StoppedTemplateHasNoRuntimeFields) {
  Result<std::vector<QemuStatus>> list =
      parse_qemu_list(read_fixture("pve9-three-nodes", "/nodes/pve1/qemu?full=1"));
  ASSERT_TRUE(list.has_value());
  const QemuStatus& vm = (*list)[1];
  EXPECT_EQ(vm.vmid, 102);
  EXPECT_TRUE(vm.is_template);
  EXPECT_EQ(vm.qmpstatus, "stopped");
  EXPECT_EQ(vm.pid, std::nullopt);
  EXPECT_EQ(vm.diskread_bytes, std::nullopt);
  EXPECT_EQ(vm.pressure, Pressure{});
  EXPECT_TRUE(vm.blockstat.empty());
  EXPECT_TRUE(vm.nics.empty());
  EXPECT_EQ(vm.ballooninfo, std::nullopt);
}

TEST(ParseQemuList, Pve8HasNoMemhostNorPressure) {
  Result<std::vector<QemuStatus>> list =
      parse_qemu_list(read_fixture("pve8-three-nodes", "/nodes/pve2/qemu?full=1"));
  ASSERT_TRUE(list.has_value()) << list.error().message;
  const QemuStatus& db = (*list)[0];
  EXPECT_EQ(db.vmid, 103);
  EXPECT_EQ(db.memhost_bytes, std::nullopt);
  EXPECT_EQ(db.pressure, Pressure{});
  EXPECT_EQ(db.lock, "backup");
  ASSERT_EQ(db.nics.size(), 2u);
  EXPECT_EQ(db.nics[1].device, "tap103i1");
  ASSERT_TRUE(db.ballooninfo.has_value());
  EXPECT_EQ(db.ballooninfo->total_mem_bytes, std::nullopt);
  EXPECT_EQ((*list)[1].qmpstatus, "paused");
}

TEST(ParseQemuList, EmptyListAndBadEntries) {
  EXPECT_TRUE(parse_qemu_list(R"({"data":[]})")->empty());
  Result<std::vector<QemuStatus>> no_vmid = parse_qemu_list(R"({"data":[{"name":"x"}]})");
  ASSERT_FALSE(no_vmid.has_value());
  EXPECT_EQ(no_vmid.error().message, "/nodes/{node}/qemu[0]: missing field 'vmid'");
  Result<std::vector<QemuStatus>> odd = parse_qemu_list(
      R"({"data":[{"vmid":1,"mem":"123","cpus":"2","blockstat":[],"nics":{"tap1i0":5},"ballooninfo":3}]})");
  ASSERT_TRUE(odd.has_value());
  EXPECT_EQ((*odd)[0].mem_bytes, 123u);
  EXPECT_EQ((*odd)[0].cpus, 2.0);
  EXPECT_TRUE((*odd)[0].blockstat.empty());
  EXPECT_TRUE((*odd)[0].nics.empty());
  EXPECT_EQ((*odd)[0].ballooninfo, std::nullopt);
}

TEST(ParseQemuList, FirstOfDuplicateKeysWinsAndWrongTypesReadAsAbsent) {
  Result<std::vector<QemuStatus>> list = parse_qemu_list(
      R"({"data":[{"vmid":7,"mem":null,"mem":5,"maxmem":"64","maxmem":1,"ha":3,)"
      R"("ballooninfo":[],"nics":{"tap7i0":{"netin":1,"netin":2}},)"
      R"("blockstat":{"scsi0":{"rd_bytes":3,"rd_bytes":4,"idle_time_ns":null},"x":1},)"
      R"("proxmox-support":{"pbs-library-version":"1.2"},"template":null,"serial":1}]})");
  ASSERT_TRUE(list.has_value()) << list.error().message;
  ASSERT_EQ(list->size(), 1u);
  const QemuStatus& q = (*list)[0];
  EXPECT_EQ(q.vmid, 7);
  EXPECT_EQ(q.mem_bytes, std::nullopt);
  EXPECT_EQ(q.maxmem_bytes, 64u);
  EXPECT_EQ(q.ha, std::nullopt);
  EXPECT_EQ(q.ballooninfo, std::nullopt);
  EXPECT_EQ(q.nics, (std::vector<NicStats>{{"tap7i0", 1, std::nullopt}}));
  ASSERT_EQ(q.blockstat.size(), 1u);
  EXPECT_EQ(q.blockstat[0].drive, "scsi0");
  EXPECT_EQ(q.blockstat[0].rd_bytes, 3u);
  EXPECT_EQ(q.blockstat[0].idle_time_ns, std::nullopt);
  EXPECT_EQ(q.pbs_library_version, "1.2");
  EXPECT_FALSE(q.is_template);
  EXPECT_TRUE(q.has_serial);
}

TEST(ParseQemuStatus, CurrentHasHa) {
  Result<QemuStatus> vm =
      parse_qemu_status(read_fixture("pve8-three-nodes", "/nodes/pve1/qemu/100/status/current"));
  ASSERT_TRUE(vm.has_value()) << vm.error().message;
  EXPECT_EQ(vm->ha, (HaState{true, "started", "prefer-pve1"}));
  Result<QemuStatus> tmpl =
      parse_qemu_status(read_fixture("pve9-three-nodes", "/nodes/pve1/qemu/102/status/current"));
  ASSERT_TRUE(tmpl.has_value());
  EXPECT_EQ(tmpl->ha, (HaState{false, std::nullopt, std::nullopt}));
}

TEST(ParseQemuStatus, NotAnObjectAndTruncated) {
  EXPECT_EQ(parse_qemu_status(R"({"data":[]})").error().message,
            "/nodes/{node}/qemu/{vmid}/status/current: data is a array, expected an object");
  EXPECT_EQ(parse_qemu_status(R"({"data":{"vmid":1,)").error().kind, ErrorKind::parse);
}

TEST(ParseLxcList, PressureAsStringsAndCpusAsString) {
  Result<std::vector<LxcStatus>> pve1 =
      parse_lxc_list(read_fixture("pve9-three-nodes", "/nodes/pve1/lxc"));
  ASSERT_TRUE(pve1.has_value()) << pve1.error().message;
  ASSERT_EQ(pve1->size(), 1u);
  const LxcStatus& ct = (*pve1)[0];
  EXPECT_EQ(ct.vmid, 101);
  EXPECT_EQ(ct.name, "dns01");
  EXPECT_EQ(ct.pid, 5151);
  EXPECT_EQ(ct.swap_bytes, 0u);
  EXPECT_EQ(ct.maxswap_bytes, 536870912u);
  EXPECT_EQ(ct.disk_bytes, 1288490188u);
  EXPECT_EQ(ct.diskread_bytes, 734003200u);
  EXPECT_EQ(ct.tags, "infra");
  EXPECT_EQ(ct.pressure, (Pressure{0.0, 0.0, 0.0, 0.0, 0.0, 0.0}));

  Result<std::vector<LxcStatus>> pve2 =
      parse_lxc_list(read_fixture("pve9-three-nodes", "/nodes/pve2/lxc"));
  ASSERT_TRUE(pve2.has_value());
  EXPECT_EQ((*pve2)[0].cpus, 1.5);
  EXPECT_EQ((*pve2)[0].status, "stopped");
  EXPECT_EQ((*pve2)[0].pressure.cpu_some_percent, std::nullopt);
}

TEST(ParseLxcStatus, CurrentHasHa) {
  Result<LxcStatus> ct =
      parse_lxc_status(read_fixture("pve9-three-nodes", "/nodes/pve1/lxc/101/status/current"));
  ASSERT_TRUE(ct.has_value());
  EXPECT_EQ(ct->ha, (HaState{false, std::nullopt, std::nullopt}));
  EXPECT_EQ(parse_lxc_status(R"({"data":{"vmid":[]}})").error().message,
            "/nodes/{node}/lxc/{vmid}/status/current: field 'vmid' has type array, expected an "
            "integer");
}

TEST(DriveStatsFields, CoverEveryMemberOnce) {
  DriveStats d;
  uint64_t i = 1;
  for (const DriveStatsField& f : drive_stats_fields()) d.*f.member = i++;
  EXPECT_EQ(drive_stats_fields().size(), 30u);
  for (const DriveStatsField& f : drive_stats_fields()) EXPECT_TRUE((d.*f.member).has_value());
  EXPECT_EQ(d.rd_bytes, 14u);  // alphabetical position of rd_bytes
  for (size_t k = 1; k < drive_stats_fields().size(); ++k)
    EXPECT_LT(drive_stats_fields()[k - 1].key, drive_stats_fields()[k].key);
}

TEST(VisitGuestLists, HandOverWhatTheListParsersReturnOneEntryAtATime) {
  for (const char* fixture : {"pve9-three-nodes", "pve8-three-nodes"}) {
    const std::string qemu = read_fixture(fixture, "/nodes/pve1/qemu?full=1");
    const std::string lxc = read_fixture(fixture, "/nodes/pve1/lxc");
    size_t counted = 0;
    std::vector<QemuStatus> vms;
    ASSERT_TRUE(visit_qemu_list(
        qemu, [&](size_t n) { counted = n; },
        [&](QemuStatus&& q) { vms.push_back(std::move(q)); }));
    EXPECT_EQ(vms, *parse_qemu_list(qemu)) << fixture;
    EXPECT_EQ(counted, vms.size());
    EXPECT_FALSE(vms.empty());
    std::vector<LxcStatus> cts;
    ASSERT_TRUE(visit_lxc_list(
        lxc, [&](size_t n) { counted = n; }, [&](LxcStatus&& c) { cts.push_back(std::move(c)); }));
    EXPECT_EQ(cts, *parse_lxc_list(lxc)) << fixture;
    EXPECT_EQ(counted, cts.size());
  }
  // A malformed entry: the same error as the list parser, after the entries before it.
  std::vector<int64_t> seen;
  Result<void> bad =
      visit_qemu_list(R"({"data":[{"vmid":7},{"name":"x"},{"vmid":9}]})", [](size_t) {},
                      [&](QemuStatus&& q) { seen.push_back(q.vmid); });
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message, "/nodes/{node}/qemu[1]: missing field 'vmid'");
  EXPECT_EQ(seen, std::vector<int64_t>{7});
  EXPECT_FALSE(visit_lxc_list(R"({"data":3})", [](size_t) {}, [](LxcStatus&&) {}).has_value());
}

}  // namespace
}  // namespace pvex::pve
