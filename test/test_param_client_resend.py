"""A parameter request whose reply is lost (the node had not yet discovered the client's reply reader; seen
under load as a node silent for 60 s) is sent again, and the first reply counts."""

from __future__ import annotations

from rclpy.task import Future

from lecun_agent.tools import param_client


class LosesTheFirstReply:
    """Stands in for an rclpy service client: the first request is never answered, later ones are."""

    def __init__(self) -> None:
        self.sent, self.withdrawn = 0, []

    def wait_for_service(self, **_timeout) -> bool:
        return True

    def call_async(self, request) -> Future:
        self.sent += 1
        future = Future()
        if self.sent > 1:
            future.set_result(f"reply to request {self.sent}")
        return future

    def remove_pending_request(self, future: Future) -> None:
        self.withdrawn.append(future)


def test_a_lost_reply_is_asked_for_again(monkeypatch):
    import rclpy

    monkeypatch.setattr(param_client, "RESEND_AFTER_S", 0.2)
    rclpy.init()
    try:
        node = rclpy.create_node("resend_probe", start_parameter_services=False)
        client = param_client.ParamClient(node, timeout_s=30.0)
        lossy = LosesTheFirstReply()
        client._clients[(param_client.absolute_name("/cost_node"), "list_parameters")] = lossy
        assert client._call(None, "/cost_node", "list_parameters", object()) == "reply to request 2"
        assert lossy.sent == 2 and len(lossy.withdrawn) == 1  # the unanswered one is withdrawn
        client._clients.clear()
        client.close()
        node.destroy_node()
    finally:
        rclpy.try_shutdown()
