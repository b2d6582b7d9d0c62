using Microsoft.Extensions.Configuration;

namespace Oakestra.Actors.Root.Tests.Configuration;

/// <summary>The address audit's grace against the reservation and the ask timeout it must outlast.</summary>
public sealed class RootSettingsTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Fact]
    public void An_unset_grace_outlasts_a_long_ask_timeout_and_the_reservation()
    {
        Assert.Equal(TimeSpan.FromSeconds(120), RootHost.RootSettingsFrom(Config()).UnconfirmedAddressGrace);
        Assert.Equal(TimeSpan.FromSeconds(150), RootHost.RootSettingsFrom(Config(("Oak:Root:AskTimeoutSeconds", "60"))).UnconfirmedAddressGrace);
    }

    [Fact]
    public void A_grace_set_shorter_than_a_request_may_take_stops_the_start()
    {
        var e = Assert.Throws<InvalidOperationException>(() => RootHost.RootSettingsFrom(Config(("Oak:Root:UnconfirmedAddressGraceSeconds", "65"))));
        Assert.Contains("Oak:Root:UnconfirmedAddressGraceSeconds (65) must exceed", e.Message);
    }
}
