using System.Collections.Immutable;
using Oakestra.Actors.Contracts.Addressing;
using Oakestra.Actors.Contracts.Routing;
using Oakestra.Actors.Root.Entities.Audit;
using Oakestra.Actors.Root.Entities.Services;
using Oakestra.Actors.Root.Pools;

namespace Oakestra.Actors.Root.Tests.Entities;

/// <summary>The audit's verdicts (pure): the service's persisted state decides who holds an address.</summary>
public sealed class AddressAuditJudgeTests
{
    private const string Id = "app.ns.web.ns";
    private static readonly Ipv4Address Rr4 = Ipv4Address.Parse("10.30.0.1");
    private static readonly Ipv6Address Rr6 = Ipv6Address.Parse("fdff:2000::1");
    private static readonly Ipv4Address Inst4 = Ipv4Address.Parse("10.30.0.9");

    private static ServiceState Service(bool exists = true, int nextNumber = 3) => ServiceState.Empty(Id) with
    {
        Exists = exists,
        NextNumber = nextNumber,
        Addresses = exists ? [new ServiceAddress(BalancingPolicies.RoundRobin, Rr4, Rr6)] : [],
        Instances = exists ? [new InstanceRoute($"{Id}.2", 2, Inst4, Ipv6Address.Parse("fdff::9"), InstanceStatus.Running, null)] : [],
    };

    private static UnconfirmedHolding H(string address, string owner) => new(address, owner, TimeSpan.Zero);

    [Fact]
    public void The_services_own_Service_IPs_and_listed_Instance_IPs_are_held()
    {
        Assert.Equal(AuditVerdict.Held, AddressAudit.Judge(PoolNames.ServiceV4, H("10.30.0.1", PoolOwners.Service(Id, BalancingPolicies.RoundRobin)), Service()));
        Assert.Equal(AuditVerdict.Held, AddressAudit.Judge(PoolNames.PolicyV6(BalancingPolicies.RoundRobin), H("fdff:2000:0:0::1", PoolOwners.Service(Id, BalancingPolicies.RoundRobin)), Service()));
        Assert.Equal(AuditVerdict.Held, AddressAudit.Judge(PoolNames.ServiceV4, H("10.30.0.9", PoolOwners.Instance($"{Id}.2")), Service()));
    }

    [Fact]
    public void A_second_address_of_the_same_owner_and_any_address_of_a_missing_service_are_orphans()
    {
        // A keyed retry after a crash allocated a fresh address for the same owner: the one the service does not hold goes back.
        Assert.Equal(AuditVerdict.Orphan, AddressAudit.Judge(PoolNames.ServiceV4, H("10.30.0.7", PoolOwners.Service(Id, BalancingPolicies.RoundRobin)), Service()));
        Assert.Equal(AuditVerdict.Orphan, AddressAudit.Judge(PoolNames.ServiceV4, H("10.30.0.1", PoolOwners.Service(Id, BalancingPolicies.RoundRobin)), Service(exists: false)));
        Assert.Equal(AuditVerdict.Orphan, AddressAudit.Judge(PoolNames.ServiceV4, H("10.30.0.1", PoolOwners.Service(Id, BalancingPolicies.Closest)), Service()));
    }

    [Fact]
    public void An_unlisted_instance_is_undeployed_only_if_its_number_was_handed_out_before()
    {
        // .1 was listed once (below NextNumber) and removed: its entity may still run. .5 was never listed: a retry may be creating it.
        Assert.Equal(AuditVerdict.OrphanInstance, AddressAudit.Judge(PoolNames.ServiceV4, H("10.30.0.8", PoolOwners.Instance($"{Id}.1")), Service()));
        Assert.Equal(AuditVerdict.OrphanInstance, AddressAudit.Judge(PoolNames.ServiceV4, H("10.30.0.9", PoolOwners.Instance($"{Id}.2")), Service(exists: false)));
        Assert.Equal(AuditVerdict.Orphan, AddressAudit.Judge(PoolNames.ServiceV4, H("10.30.0.6", PoolOwners.Instance($"{Id}.5")), Service()));
    }

    [Fact]
    public void Worker_subnets_and_free_form_owners_are_not_the_audits_business()
    {
        Assert.Null(AddressAudit.ServiceOf(H("10.18.0.0/26", PoolOwners.Worker("site1", "w1"))));
        Assert.Null(AddressAudit.ServiceOf(H("10.30.0.4", "someone")));
        Assert.Equal(Id, AddressAudit.ServiceOf(H("10.30.0.9", PoolOwners.Instance($"{Id}.12"))));
    }
}
