using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace AutoGrad.Tests.Data;

/// <summary>
/// A tiny HTTP server on 127.0.0.1 and a free port, serving fixed bodies by path (404 otherwise) and recording
/// every requested path, so download code is tested without the internet.
/// </summary>
internal sealed class LoopbackHttpServer : IDisposable
{
    private readonly HttpListener _listener;
    private readonly ConcurrentDictionary<string, (int Status, byte[] Body, TimeSpan Delay)> _routes = new(StringComparer.Ordinal);
    private readonly Task _loop;

    public LoopbackHttpServer()
    {
        // A port that was free a moment ago may be taken by the time HttpListener binds it, so retry a few times.
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                _listener = listener;
                BaseUri = new Uri($"http://127.0.0.1:{port}/");
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
        _loop = Task.Run(ServeAsync);
    }

    public Uri BaseUri { get; }

    public ConcurrentQueue<string> Requests { get; } = new();

    public Uri Mirror(string name) => new(BaseUri, name + "/");

    /// <summary>Serves <paramref name="body"/> at <paramref name="path"/>, after <paramref name="delay"/> if given.</summary>
    public void Serve(string path, byte[] body, int status = 200, TimeSpan delay = default) => _routes[path] = (status, body, delay);

    /// <summary>A port nobody listens on (bound and released at once): connections to it are refused.</summary>
    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }
            // Each request on its own task, so a slow route does not hold up the others or shutdown.
            _ = RespondAsync(context);
        }
    }

    private async Task RespondAsync(HttpListenerContext context)
    {
        string path = context.Request.Url!.AbsolutePath;
        Requests.Enqueue(path);
        (int status, byte[] body, TimeSpan delay) = _routes.TryGetValue(path, out var route) ? route : (404, "not found"u8.ToArray(), TimeSpan.Zero);
        try
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay);
            }
            context.Response.StatusCode = status;
            context.Response.ContentLength64 = body.Length;
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The client or the listener went away; nothing to do.
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
