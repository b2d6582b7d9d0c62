using Xunit.Abstractions;
using Xunit.Sdk;

namespace Oakestra.Actors.EndToEnd.Tests.Lab.Live;

/// <summary>Order of a test in one live-lab run: later steps change the lab (undeploy, migrate, kill, down).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class StepAttribute(int order) : Attribute
{
    public int Order { get; } = order;
}

/// <summary>Runs the test cases of a class by their <see cref="StepAttribute"/> (then by name).</summary>
public sealed class StepOrderer : ITestCaseOrderer
{
    public const string Name = "Oakestra.Actors.EndToEnd.Tests.Lab.Live.StepOrderer";
    public const string Assembly = "Oakestra.Actors.EndToEnd.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase =>
        testCases.OrderBy(t => Step(t)).ThenBy(t => t.DisplayName, StringComparer.Ordinal);

    private static int Step(ITestCase t) =>
        t.TestMethod.Method.GetCustomAttributes(typeof(StepAttribute).AssemblyQualifiedName!)
            .FirstOrDefault()?.GetConstructorArguments().Cast<int>().First() ?? int.MaxValue;
}
