namespace Delivery.Benchmarks.Data;

/// <summary>Fixed value lists the record generator picks from, so generated data has realistic repetition.</summary>
internal static class Vocabulary
{
    public static readonly string[] Levels = ["INFO", "DEBUG", "WARN", "ERROR"];

    public static readonly string[] Services = ["checkout-api", "catalog", "auth", "search", "payments", "cart", "inventory", "gateway"];

    public static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH"];

    public static readonly string[] Statuses = ["200", "201", "204", "304", "400", "401", "404", "409", "500", "503"];

    public static readonly string[] Paths =
    [
        "/", "/v1/items", "/v1/items/list", "/v1/cart", "/v1/cart/add", "/v1/checkout", "/v1/orders", "/v1/orders/history",
        "/v1/search", "/v1/users/me", "/v1/login", "/v1/logout", "/products/shoes", "/products/shirts", "/products/bags",
        "/deals/today", "/help/returns", "/account/settings", "/v2/recommendations", "/v2/reviews",
    ];

    public static readonly string[] EventTypes = ["page_view", "product_view", "add_to_cart", "search", "click", "checkout_start", "purchase", "remove_from_cart"];

    public static readonly string[] Campaigns = ["newsletter", "spring_sale", "retargeting", "organic", "affiliate_42", "social_ig", "social_tt", "none"];

    public static readonly string[] Referrers =
    [
        "https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/", "https://www.facebook.com/",
        "https://t.co/", "https://news.example.org/article/spring-deals", "", "https://shop.example.com/",
    ];

    public static readonly string[] UserAgents =
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0",
    ];

    public static readonly (string Country, string City)[] Cities =
    [
        ("US", "New York"), ("US", "Seattle"), ("GB", "London"), ("DE", "Berlin"), ("FR", "Paris"), ("JP", "Tokyo"),
        ("BR", "Sao Paulo"), ("IN", "Bengaluru"), ("AU", "Sydney"), ("CA", "Toronto"), ("NL", "Amsterdam"), ("ES", "Madrid"),
    ];

    public static readonly string[] Categories = ["shoes", "shirts", "bags", "electronics", "books", "garden", "toys", "beauty", "sports", "kitchen"];

    public static readonly string[] Devices = ["desktop", "mobile", "tablet"];

    public static readonly string[] Exceptions =
    [
        "System.InvalidOperationException", "System.TimeoutException", "System.Net.Http.HttpRequestException",
        "System.Collections.Generic.KeyNotFoundException", "Npgsql.PostgresException", "System.NullReferenceException",
    ];

    public static readonly string[] Namespaces =
    [
        "Shop.Checkout.Api", "Shop.Checkout.Domain", "Shop.Payments.Client", "Shop.Catalog.Data", "Microsoft.AspNetCore.Mvc.Infrastructure",
        "Microsoft.AspNetCore.Routing", "System.Net.Http", "Npgsql.Internal", "Shop.Common.Resilience",
    ];

    public static readonly string[] Classes =
    [
        "OrderController", "CheckoutService", "PaymentGatewayClient", "InventoryRepository", "ControllerActionInvoker",
        "EndpointMiddleware", "HttpConnectionPool", "NpgsqlConnector", "RetryHandler", "CartValidator", "PriceCalculator",
    ];

    public static readonly string[] MethodNames =
    [
        "InvokeAsync", "ExecuteAsync", "SendAsync", "ValidateAsync", "GetByIdAsync", "ReserveStockAsync", "AuthorizeAsync",
        "Next", "InvokeActionMethodAsync", "ReadMessageLong", "CalculateTotals",
    ];

    public static readonly string[] Parameters =
    [
        "", "CancellationToken cancellationToken", "Guid orderId, CancellationToken ct", "HttpRequestMessage request, CancellationToken cancellationToken",
        "State& next, Scope& scope, Object& state, Boolean& isCompleted", "Int32 attempt",
    ];

    public static readonly string[] Headers = ["accept", "accept-encoding", "accept-language", "content-type", "x-forwarded-proto", "x-request-id", "x-tenant"];

    public static readonly string[] HeaderValues =
    [
        "application/json", "gzip, deflate, br", "en-US,en;q=0.9", "text/html,application/xhtml+xml", "https", "tenant-eu-1", "*/*",
    ];

    public static readonly string[] Words =
    [
        "the", "order", "could", "not", "be", "completed", "because", "payment", "provider", "returned", "an", "unexpected",
        "response", "after", "retry", "attempt", "timeout", "while", "waiting", "for", "connection", "pool", "stock",
        "reservation", "failed", "customer", "session", "expired", "invalid", "state", "transition", "from", "pending", "to",
        "shipped", "warehouse", "eu-west", "latency", "budget", "exceeded", "circuit", "open", "downstream", "catalog",
    ];
}
