"""sim: the ROS-free pybullet body (sim.QuadrupedSim), its arena, sensors, cameras and the in-process env.

Deliberately empty of imports: programs and metrics are used where pybullet is absent
(program_node on a real robot), so importing the package must not import pybullet.
"""
