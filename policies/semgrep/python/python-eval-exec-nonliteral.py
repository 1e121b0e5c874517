import ast
import json


def calculate(request):
    expression = request.args.get("expr", "0")
    # ruleid: python-eval-exec-nonliteral
    return eval(expression)


def run_hook(hook_source, context):
    # ruleid: python-eval-exec-nonliteral
    exec(hook_source, {"__builtins__": {}}, context)


def get_setting(name):
    # ruleid: python-eval-exec-nonliteral
    return eval("settings." + name)


def calculate_safe(request):
    # ok: python-eval-exec-nonliteral
    return ast.literal_eval(request.args.get("expr", "0"))


def load_payload(body):
    # ok: python-eval-exec-nonliteral
    return json.loads(body)


def feature_check():
    # ok: python-eval-exec-nonliteral
    exec("import readline")


class Model:
    def predict(self, net, batch):
        # ok: python-eval-exec-nonliteral
        net.eval()
        return net(batch)
