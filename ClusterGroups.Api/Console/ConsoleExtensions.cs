namespace Microsoft.Extensions.Hosting;

public static class ConsoleExtensions
{
    public const string Path = "/console";

    // The operations console: static HTML/JS from wwwroot/console (no build step). The page itself is public; every
    // read it makes goes to /v1 with the key the operator typed, so it shows nothing without one.
    public static WebApplication MapOperationsConsole(this WebApplication app)
    {
        app.UseDefaultFiles();   // /console → /console/ → wwwroot/console/index.html
        app.UseStaticFiles();
        return app;
    }
}
