namespace ClusterGroups.Tests.Infrastructure.Postgres;

// Tests on a real PostgreSQL: CI installs it (.ci/run), so there they must run; on a machine without it they report
// themselves skipped with the install command (README, "Tests").
public static class PostgresRequirement
{
    public static void Check()
    {
        var problem = PostgresCluster.Problem;
        if (Environment.GetEnvironmentVariable("CI") is "true")
        {
            Assert.True(problem is null, $"CI must have PostgreSQL (.ci/run installs it): {problem}");
        }

        Skip.If(problem is not null, problem);
    }
}
