using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ClusterGroups.Bench.Measurement;

// What a hand-off costs on this machine, measured at the start and the end of a run: every figure of ours is mostly
// processes waking each other over loopback, and machines of one size differ there far more than in raw CPU (a
// paravirtualized guest here paid 1.2-1.6 µs a system call). A system call: Thread.Yield
// (sched_yield, what the thread pools' spinning calls). A round trip: one byte there and back over loopback TCP between
// two threads blocked in recv, so each way is a wake-up. Both as medians of batches, so a slow spell shows as itself.
public static class MachineSpeed
{
    private const int Batches = 20;
    private const int YieldsPerBatch = 5_000;
    private const int RoundTripsPerBatch = 500;

    public static SpeedProbe Measure()
    {
        var yields = new double[Batches];
        for (var b = 0; b < Batches; b++)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < YieldsPerBatch; i++)
            {
                Thread.Yield();
            }

            yields[b] = clock.Elapsed.TotalMicroseconds / YieldsPerBatch;
        }

        return new SpeedProbe(Math.Round(Median(yields), 2), Math.Round(Median(RoundTrips()), 1));
    }

    private static double[] RoundTrips()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.Connect(listener.LocalEndPoint!);
        using var server = listener.Accept();
        server.NoDelay = true;
        // Both ends time out rather than hang the run if the other end dies.
        client.ReceiveTimeout = server.ReceiveTimeout = 10_000;

        var total = Batches * RoundTripsPerBatch;
        var echo = new Thread(() =>
        {
            var one = new byte[1];
            try
            {
                for (var i = 0; i < total && server.Receive(one) == 1; i++)
                {
                    server.Send(one);
                }
            }
            catch (SocketException)
            {
                // The client's own receive times out and says so; an exception here would end the process.
            }
        }) { IsBackground = true, Name = "speed probe echo" };
        echo.Start();

        var times = new double[Batches];
        var buffer = new byte[1];
        for (var b = 0; b < Batches; b++)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < RoundTripsPerBatch; i++)
            {
                client.Send(buffer);
                if (client.Receive(buffer) != 1)
                {
                    throw new InvalidOperationException("The speed probe's echo ended early.");
                }
            }

            times[b] = clock.Elapsed.TotalMicroseconds / RoundTripsPerBatch;
        }

        if (!echo.Join(TimeSpan.FromSeconds(10)))
        {
            throw new TimeoutException("The speed probe's echo did not end.");
        }

        return times;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}

// Microseconds: a system call (sched_yield) and a loopback TCP round trip between two threads, medians.
public sealed record SpeedProbe(double SyscallMicros, double LoopbackRoundTripMicros);
