namespace Delivery.LoadGenerator; internal static class Program { private static int Main() => 0; }
